//go:build ignore

// main.go writes a versioned migration for each dialect from the ent
// schema: the difference between the migrations already in
// ent/migrate/migrations/<dialect>/ and the current schema, in goose's
// format. It needs a scratch database per dialect (an in-memory SQLite; a
// PostgreSQL server, MIGRATE_DEV_POSTGRES, default
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable, on which it
// creates and drops a database of its own).
//
//	go run -mod=mod ./ent/migrate/main.go <name>
//
// It is not part of go generate: the files it writes are committed and
// reviewed like code, and an unchanged schema writes nothing.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"log"
	"net/url"
	"os"
	"time"

	"ariga.io/atlas/sql/sqltool"
	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql/schema"
	"github.com/jackc/pgx/v5/stdlib"
	_ "github.com/mattn/go-sqlite3"

	"mediagraph/ent/migrate"
)

func main() {
	if len(os.Args) != 2 {
		log.Fatalln("usage: go run -mod=mod ./ent/migrate/main.go <name>")
	}
	name := os.Args[1]
	ctx := context.Background()
	// Atlas opens postgres:// URLs with the driver named "postgres".
	sql.Register("postgres", stdlib.GetDefaultDriver())

	if err := diff(ctx, "ent/migrate/migrations/sqlite", dialect.SQLite, "sqlite://dev?mode=memory&_fk=1", name); err != nil {
		log.Fatalf("sqlite: %v", err)
	}

	admin := os.Getenv("MIGRATE_DEV_POSTGRES")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	dev, drop, err := scratchPostgres(ctx, admin)
	if err != nil {
		log.Fatalf("postgres: %v", err)
	}
	defer drop()
	if err := diff(ctx, "ent/migrate/migrations/postgres", dialect.Postgres, dev, name); err != nil {
		log.Fatalf("postgres: %v", err)
	}
}

func diff(ctx context.Context, path, dialectName, devURL, name string) error {
	dir, err := sqltool.NewGooseDir(path)
	if err != nil {
		return err
	}
	return migrate.NamedDiff(ctx, devURL, name,
		schema.WithDir(dir),
		schema.WithMigrationMode(schema.ModeReplay),
		schema.WithDialect(dialectName),
		schema.WithFormatter(sqltool.GooseFormatter),
	)
}

// scratchPostgres creates an empty database for the diff and returns its
// URL and a function that drops it.
func scratchPostgres(ctx context.Context, adminURL string) (string, func(), error) {
	admin, err := sql.Open("pgx", adminURL)
	if err != nil {
		return "", nil, err
	}
	dbName := fmt.Sprintf("mediagraph_migrate_%d", time.Now().UnixNano())
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+dbName); err != nil {
		admin.Close()
		return "", nil, err
	}
	u, err := url.Parse(adminURL)
	if err != nil {
		return "", nil, err
	}
	u.Path = "/" + dbName
	drop := func() {
		admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+dbName)
		admin.Close()
	}
	return u.String(), drop, nil
}
