package main

// Code generation, in order: ent (models, client, entgql schema) first, then
// gqlgen, which reads the schema ent wrote, then the rewrite of three gqlgen
// runtime calls in its output (graph/rewrite.go, graph/execution.go).
//go:generate go run ./ent/entc.go
//go:generate go run github.com/99designs/gqlgen generate --config gqlgen.yml
//go:generate go run ./graph/rewrite.go
