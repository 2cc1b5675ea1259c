package graph

import (
	"context"
	"fmt"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"mediagraph/ent"
	"mediagraph/graph/apierror"
)

// Limits bound the cost of one operation. A zero field is no limit.
type Limits struct {
	MaxComplexity int // gqlgen complexity, connections counted per item of the page
	MaxDepth      int // nesting of selection sets, fragments included
	MaxAliases    int // aliased fields (each alias runs its field again)
}

// newSchema is the executable schema over resolver, with complexity
// functions that count a connection's children once per item of the page
// it asks for.
func newSchema(resolver *Resolver) graphql.ExecutableSchema {
	cfg := Config{Resolvers: resolver}
	cfg.Complexity.Query.Products = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int, _ *ent.ProductOrder, _ *ent.ProductWhereInput) int {
		return pageComplexity(child, first, last)
	}
	cfg.Complexity.Query.Documents = func(child int, _ *entgql.Cursor[int], first *int, _ *entgql.Cursor[int], last *int, _ *ent.DocumentOrder, _ *ent.DocumentWhereInput) int {
		return pageComplexity(child, first, last)
	}
	cfg.Complexity.Query.Nodes = func(child int, ids []int) int { return 1 + child*max(len(ids), 1) }
	return NewExecutableSchema(cfg)
}

func pageComplexity(child int, first, last *int) int {
	n := defaultPageSize
	switch {
	case first != nil:
		n = *first
	case last != nil:
		n = *last
	}
	return 1 + child*max(n, 1)
}

// limitsExtension refuses, before execution, an operation over the limits,
// with QUERY_TOO_COMPLEX or QUERY_TOO_DEEP.
func limitsExtension(l Limits) graphql.HandlerExtension { return &costLimits{l: l} }

type costLimits struct {
	l      Limits
	schema graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &costLimits{}

func (*costLimits) ExtensionName() string { return "Limits" }

func (e *costLimits) Validate(schema graphql.ExecutableSchema) error {
	e.schema = schema
	return nil
}

func (e *costLimits) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	op := rc.Operation
	if op == nil {
		return nil
	}
	if e.l.MaxDepth > 0 {
		if d := depth(op.SelectionSet, rc.Doc.Fragments, 0); d > e.l.MaxDepth {
			return apierror.New(apierror.QueryTooDeep, fmt.Sprintf("operation is %d levels deep; at most %d allowed", d, e.l.MaxDepth), "")
		}
	}
	if e.l.MaxAliases > 0 {
		if n := aliases(op.SelectionSet, rc.Doc.Fragments, map[string]bool{}); n > e.l.MaxAliases {
			return apierror.New(apierror.QueryTooComplex, fmt.Sprintf("operation has %d aliased fields; at most %d allowed", n, e.l.MaxAliases), "")
		}
	}
	if e.l.MaxComplexity > 0 {
		if c := complexity.Calculate(ctx, e.schema, op, rc.Variables); c > e.l.MaxComplexity {
			return apierror.New(apierror.QueryTooComplex, fmt.Sprintf("operation has complexity %d; at most %d allowed", c, e.l.MaxComplexity), "")
		}
	}
	return nil
}

// depth is the deepest nesting of fields below set (a fragment cycle is
// refused by validation before this runs; depth still stops at 100).
func depth(set ast.SelectionSet, fragments ast.FragmentDefinitionList, level int) int {
	deepest := level
	if level > 100 {
		return level
	}
	for _, sel := range set {
		var d int
		switch s := sel.(type) {
		case *ast.Field:
			if len(s.SelectionSet) == 0 {
				d = level + 1
			} else {
				d = depth(s.SelectionSet, fragments, level+1)
			}
		case *ast.InlineFragment:
			d = depth(s.SelectionSet, fragments, level)
		case *ast.FragmentSpread:
			if f := fragments.ForName(s.Name); f != nil {
				d = depth(f.SelectionSet, fragments, level)
			}
		}
		deepest = max(deepest, d)
	}
	return deepest
}

// aliases counts aliased fields, each fragment counted once per spread.
func aliases(set ast.SelectionSet, fragments ast.FragmentDefinitionList, visiting map[string]bool) int {
	n := 0
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Alias != "" && s.Alias != s.Name {
				n++
			}
			n += aliases(s.SelectionSet, fragments, visiting)
		case *ast.InlineFragment:
			n += aliases(s.SelectionSet, fragments, visiting)
		case *ast.FragmentSpread:
			if f := fragments.ForName(s.Name); f != nil && !visiting[s.Name] {
				visiting[s.Name] = true
				n += aliases(f.SelectionSet, fragments, visiting)
				delete(visiting, s.Name)
			}
		}
	}
	return n
}
