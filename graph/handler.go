package graph

import (
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"mediagraph/graph/gqlhttp"
)

// HandlerConfig is what the GraphQL endpoint is made of.
type HandlerConfig struct {
	Resolver  *Resolver
	Transport gqlhttp.Config // Stager and Log default to the resolver's
	Limits    Limits
	// Introspection answers introspection queries (the playgrounds need it).
	Introspection bool
}

// NewHandler is the GraphQL endpoint: gqlgen's executor over the schema
// with mediagraph's transports (GET, JSON POST, multipart) and, in order,
// its extensions (introspection when on, the cost limits, metrics,
// incremental delivery), error presenter and panic recovery. It also has
// the ent client load product images with the columns a page selects
// (imageColumns), the fast path of list pages.
func NewHandler(c HandlerConfig) (http.Handler, error) {
	r := c.Resolver
	if c.Transport.Stager == nil {
		c.Transport.Stager = r.Media
	}
	if c.Transport.Log == nil {
		c.Transport.Log = r.Log
	}
	transports, err := gqlhttp.Transports(c.Transport)
	if err != nil {
		return nil, err
	}
	r.Client.ProductImage.Intercept(imageColumns())
	gql := handler.New(newSchema(r))
	for _, t := range transports {
		gql.AddTransport(t)
	}
	gql.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if c.Introspection {
		gql.Use(extension.Introspection{})
	}
	gql.Use(limitsExtension(c.Limits))
	gql.Use(r.Metrics.GraphQL())
	gql.Use(deferExtension{})
	gql.SetErrorPresenter(errorPresenter(r.Log))
	gql.SetRecoverFunc(recoverFunc(r.Log))
	return gql, nil
}
