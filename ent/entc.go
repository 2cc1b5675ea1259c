//go:build ignore

// entc.go generates the ent client and the entgql GraphQL schema
// (graph/ent.graphqls) from ent/schema. It runs from the module root through
// generate.go, before gqlgen.
package main

import (
	"log"

	"entgo.io/contrib/entgql"
	"entgo.io/ent/entc"
	"entgo.io/ent/entc/gen"
	"github.com/vektah/gqlparser/v2/ast"
)

func main() {
	ex, err := entgql.NewExtension(
		entgql.WithConfigPath("gqlgen.yml"),
		entgql.WithSchemaGenerator(),
		entgql.WithSchemaPath("graph/ent.graphqls"),
		entgql.WithWhereInputs(true),
		entgql.WithSchemaHook(nonNullImages),
	)
	if err != nil {
		log.Fatalf("entc: creating entgql extension: %v", err)
	}
	err = entc.Generate("./ent/schema", &gen.Config{
		Target:   "./ent",
		Package:  "mediagraph/ent",
		Features: []gen.Feature{gen.FeatureGlobalID, gen.FeatureVersionedMigration, gen.FeatureIntercept},
	}, entc.Extensions(ex))
	if err != nil {
		log.Fatalf("entc: running ent codegen: %v", err)
	}
}

// nonNullImages makes Product.images a non-null list of non-null images:
// entgql generates a nullable list for a non-connection edge, but a product
// always has a (possibly empty) list.
func nonNullImages(_ *gen.Graph, s *ast.Schema) error {
	product, ok := s.Types["Product"]
	if !ok {
		return nil
	}
	images := product.Fields.ForName("images")
	if images == nil {
		return nil
	}
	images.Type = ast.NonNullListType(ast.NonNullNamedType("ProductImage", nil), nil)
	return nil
}
