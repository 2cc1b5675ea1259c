package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
)

// marshalList marshals the elements of a list one after the other, on the
// calling goroutine. gqlgen's generated code calls
// graphql.MarshalSliceConcurrently, which starts a goroutine for every
// element of every list (200 for a page of 50 products with 3 images each)
// whose stacks then grow through gqlgen's deep marshalling: on a list page
// that was a fifth of the CPU. mediagraph's list elements do no I/O of their
// own (images are eager-loaded with the page, files are columns of their
// row), so running them in parallel buys nothing. generate.go rewrites the
// generated calls to this function (graph/internal/seqlists); the arguments
// and the result are those of graph.MarshalSliceConcurrently: each element
// gets a FieldContext holding its index, and a panic in one is recovered
// into an error on its path and a null in its place.
func marshalList(ctx context.Context, length int, _ int64, omitPanicHandler bool, marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		fc := &graphql.FieldContext{Index: &i}
		childCtx := graphql.WithFieldContext(ctx, fc)
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}
