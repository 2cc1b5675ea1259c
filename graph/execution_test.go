package graph

import (
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestMarshalListInOrderAndRecovers: marshalList hands each element its
// index and marshals them in order; a panicking element becomes null with
// an error on its path, and the others are kept.
func TestMarshalListInOrderAndRecovers(t *testing.T) {
	ctx := graphql.WithResponseContext(context.Background(), graphql.DefaultErrorPresenter,
		func(ctx context.Context, v any) error { return gqlerror.Errorf("recovered: %v", v) })
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{}})
	var order []int
	ret := marshalList(ctx, 3, 0, false, func(ctx context.Context, i int) graphql.Marshaler {
		order = append(order, i)
		if got := *graphql.GetFieldContext(ctx).Index; got != i {
			t.Errorf("element %d has index %d", i, got)
		}
		if i == 1 {
			panic("boom")
		}
		return graphql.MarshalInt(i)
	})
	if len(order) != 3 || order[0] != 0 || order[1] != 1 || order[2] != 2 {
		t.Fatalf("order %v", order)
	}
	if ret[1] != graphql.Null || ret[0] == graphql.Null || ret[2] == graphql.Null {
		t.Fatalf("results %v", ret)
	}
	errs := graphql.GetErrors(ctx)
	if len(errs) != 1 || errs[0].Message != "recovered: boom" {
		t.Fatalf("errors %v", errs)
	}
}
