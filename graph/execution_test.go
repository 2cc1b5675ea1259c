package graph

import (
	"bytes"
	"context"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
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

// TestFieldSetMarshalsAsGqlgen: fieldSet writes what graphql.FieldSet
// writes (fields in order under their response names, a repeated name
// once, with its first value), and leaves out a field that has no value.
func TestFieldSetMarshalsAsGqlgen(t *testing.T) {
	field := func(alias string) graphql.CollectedField {
		return graphql.CollectedField{Field: &ast.Field{Alias: alias, Name: alias}}
	}
	fields := []graphql.CollectedField{field("id"), field("name"), field("id"), field("__typename"), field("price")}
	values := []graphql.Marshaler{graphql.MarshalString("1"), graphql.MarshalString(`a "b"`), graphql.MarshalString("2"), graphql.MarshalString("Product"), graphql.Null}
	ours, theirs := newFieldSet(fields), graphql.NewFieldSet(fields)
	copy(ours.Values, values)
	copy(theirs.Values, values)
	var got, want bytes.Buffer
	ours.MarshalGQL(&got)
	theirs.MarshalGQL(&want)
	if got.String() != want.String() || got.String() != `{"id":"1","name":"a \"b\"","__typename":"Product","price":null}` {
		t.Errorf("fieldSet wrote %s, gqlgen %s", got.String(), want.String())
	}

	ours.Values[0] = nil // a field without a value: left out, its repeat written
	got.Reset()
	ours.MarshalGQL(&got)
	if got.String() != `{"name":"a \"b\"","id":"2","__typename":"Product","price":null}` {
		t.Errorf("without the first value: %s", got.String())
	}
	got.Reset()
	newFieldSet(nil).MarshalGQL(&got)
	if got.String() != "{}" {
		t.Errorf("no fields: %s", got.String())
	}
}
