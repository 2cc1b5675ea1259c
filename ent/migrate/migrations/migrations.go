// Package migrations embeds mediagraph's versioned schema migrations, one
// directory per dialect (sqlite/, postgres/), in goose's format. They are
// written by ent/migrate/main.go from the ent schema and applied at start by
// the server (goose).
package migrations

import "embed"

// FS holds sqlite/*.sql and postgres/*.sql.
//
//go:embed sqlite/*.sql postgres/*.sql
var FS embed.FS
