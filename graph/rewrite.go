//go:build ignore

// rewrite.go points three of the gqlgen runtime calls in graph/generated.go
// at the cheaper equivalents in graph/execution.go (which says why). It
// runs after gqlgen, from generate.go, and fails when a call is no longer
// there to rewrite: gqlgen changed, and graph/execution.go needs a look.
package main

import (
	"bytes"
	"log"
	"os"
)

func main() {
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
