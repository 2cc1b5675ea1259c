//go:build ignore

// rewrite.go points three of the gqlgen runtime calls in graph/generated.go
// at the cheaper equivalents in graph/execution.go (which says why). It
// runs after gqlgen, from generate.go, and fails when a call is no longer
// there to rewrite: gqlgen changed, and graph/execution.go needs a look.
// It also refuses a gqlgen other than the one the rewrites were checked
// against (verifiedGqlgen), so that an upgrade in go.mod is a decision:
// read graph/execution.go against the new runtime, then move the pin.
package main

import (
	"bytes"
	"log"
	"os"
	"regexp"
)

// verifiedGqlgen is the gqlgen version whose runtime graph/execution.go
// was compared with.
const verifiedGqlgen = "v0.17.98"

func main() {
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		log.Fatalf("rewrite: %v", err)
	}
	m := regexp.MustCompile(`(?m)^\s*github\.com/99designs/gqlgen (\S+)`).FindSubmatch(gomod)
	if m == nil {
		log.Fatal("rewrite: go.mod requires no github.com/99designs/gqlgen")
	}
	if v := string(m[1]); v != verifiedGqlgen {
		log.Fatalf("rewrite: go.mod requires gqlgen %s, the rewrites were checked against %s: compare graph/execution.go with the new runtime, then set verifiedGqlgen", v, verifiedGqlgen)
	}
	const file = "graph/generated.go"
	src, err := os.ReadFile(file)
	if err != nil {
		log.Fatalf("rewrite: %v", err)
	}
	for _, r := range []struct{ from, to string }{
		{"graphql.MarshalSliceConcurrently(", "marshalList("},
		{"graphql.NewDeferredGroup(ctx)", "newDeferredGroup(ctx)"},
		{"graphql.NewFieldSet(fields)", "newFieldSet(fields)"},
	} {
		from, to := []byte(r.from), []byte(r.to)
		if !bytes.Contains(src, from) && !bytes.Contains(src, to) {
			log.Fatalf("rewrite: %s calls %s no more: gqlgen changed, see graph/execution.go", file, r.from)
		}
		src = bytes.ReplaceAll(src, from, to)
	}
	if err := os.WriteFile(file, src, 0o644); err != nil {
		log.Fatalf("rewrite: %v", err)
	}
}
