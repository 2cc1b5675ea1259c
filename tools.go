//go:build tools

package main

// Code generators used by generate.go, pinned in go.mod through these imports
// (ent/entc.go is behind the ignore build tag, which go mod tidy skips).
import (
	_ "entgo.io/contrib/entgql"
	_ "entgo.io/ent/entc"
	_ "entgo.io/ent/entc/gen"
	_ "github.com/99designs/gqlgen"
)
