//go:build ignore

// seqlists.go rewrites gqlgen's generated list marshalling to run on the
// calling goroutine (graph.marshalList; see graph/lists.go for why). gqlgen
// has no setting for it: its exec.worker_limit still starts a goroutine for
// every element, and its plugins run before the executable schema is
// written, so this runs after gqlgen, from generate.go.
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
		log.Fatalf("seqlists: %v", err)
	}
	from, to := []byte("graphql.MarshalSliceConcurrently("), []byte("marshalList(")
	n := bytes.Count(src, from)
	if n == 0 && !bytes.Contains(src, to) {
		log.Fatalf("seqlists: %s has no call of graphql.MarshalSliceConcurrently: gqlgen changed, update graph/lists.go", file)
	}
	if err := os.WriteFile(file, bytes.ReplaceAll(src, from, to), 0o644); err != nil {
		log.Fatalf("seqlists: %v", err)
	}
}
