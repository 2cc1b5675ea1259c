package graph

import (
	"context"
	"io"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Cheaper equivalents of three gqlgen runtime calls that its generated code
// makes for every object and list it marshals. graph/rewrite.go, run by go
// generate after gqlgen, points the generated calls at them: gqlgen has no
// setting for either (its exec.worker_limit still starts a goroutine per
// element, and its plugins run before the executable schema is written).

// marshalList marshals the elements of a list one after the other, on the
// calling goroutine. gqlgen's graphql.MarshalSliceConcurrently starts a
// goroutine for every element of every list (200 for a page of 50 products
// with 3 images each) whose stacks then grow through gqlgen's deep
// marshalling: on a list page that was a fifth of the CPU. mediagraph's list
// elements do no I/O of their own (images are eager-loaded with the page,
// files are columns of their row), so running them in parallel buys
// nothing. The arguments and the result are those of
// graphql.MarshalSliceConcurrently: each element gets a FieldContext holding
// its index, and a panic in one is recovered into an error on its path and
// a null in its place.
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

// newDeferredGroup is graphql.NewDeferredGroup for an operation that may
// defer fields, and an empty group for one that does not: gqlgen's computes
// the object's full response path (and allocates a field set and a map) for
// every object it marshals, 400 of them on a list page, 12% of its CPU,
// though the group is only ever used by a field under @defer.
func newDeferredGroup(ctx context.Context) graphql.DeferredGroup {
	if noDefer, _ := ctx.Value(noDeferKey{}).(bool); noDefer {
		return graphql.DeferredGroup{Context: ctx}
	}
	return graphql.NewDeferredGroup(ctx)
}

type noDeferKey struct{}

// deferExtension marks the operations that use no @defer, for
// newDeferredGroup.
type deferExtension struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = deferExtension{}

func (deferExtension) ExtensionName() string                   { return "DeferDetection" }
func (deferExtension) Validate(graphql.ExecutableSchema) error { return nil }

func (deferExtension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil {
		seen := map[string]bool{}
		if !usesDefer(oc.Doc, oc.Operation.SelectionSet, seen) {
			ctx = context.WithValue(ctx, noDeferKey{}, true)
		}
	}
	return next(ctx)
}

// usesDefer reports whether a selection set, its fragments included, holds
// a @defer.
func usesDefer(doc *ast.QueryDocument, set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch sel := sel.(type) {
		case *ast.Field:
			if usesDefer(doc, sel.SelectionSet, seen) {
				return true
			}
		case *ast.InlineFragment:
			if sel.Directives.ForName("defer") != nil || usesDefer(doc, sel.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if sel.Directives.ForName("defer") != nil {
				return true
			}
			if seen[sel.Name] {
				continue
			}
			seen[sel.Name] = true
			if doc == nil {
				return true // cannot tell: assume it does
			}
			if def := doc.Fragments.ForName(sel.Name); def == nil || usesDefer(doc, def.SelectionSet, seen) {
				return true
			}
		}
	}
	return false
}

// fieldSet is gqlgen's graphql.FieldSet with a cheaper MarshalGQL. gqlgen's
// allocates, for every object it writes, a map of the response names
// written so far and a heap copy of every field's CollectedField (the
// iterator yields the address of its loop variable): on a list page, 400
// objects, that was a quarter of the bytes allocated. Everything else
// (values, invalid counts, dispatch, deferred views) is gqlgen's, promoted.
type fieldSet struct {
	*graphql.FieldSet
	fields []graphql.CollectedField
}

// newFieldSet replaces graphql.NewFieldSet in the generated code.
func newFieldSet(fields []graphql.CollectedField) *fieldSet {
	return &fieldSet{FieldSet: graphql.NewFieldSet(fields), fields: fields}
}

// MarshalGQL writes the object as gqlgen's does: each field under its
// response name, in order, a name written once (graphql.CollectFields
// merges most repeats; one that remains keeps its first value). Response
// names are GraphQL names ([_A-Za-z][_0-9A-Za-z]*, the parser's rule), so
// they need no escaping. A field without a value (none is expected) is
// left out rather than crashing the response.
func (m *fieldSet) MarshalGQL(w io.Writer) {
	io.WriteString(w, "{")
	first := true
	for i := range m.fields {
		v, alias := m.Values[i], m.fields[i].Alias
		if v == nil || seenAlias(m.fields[:i], m.Values[:i], alias) {
			continue
		}
		if first {
			io.WriteString(w, `"`)
			first = false
		} else {
			io.WriteString(w, `,"`)
		}
		io.WriteString(w, alias)
		io.WriteString(w, `":`)
		v.MarshalGQL(w)
	}
	io.WriteString(w, "}")
}

// seenAlias reports whether a field before this one, written, has the
// response name alias. A selection holds a few fields: a linear scan costs
// less than any map.
func seenAlias(before []graphql.CollectedField, values []graphql.Marshaler, alias string) bool {
	for i := range before {
		if before[i].Alias == alias && values[i] != nil {
			return true
		}
	}
	return false
}
