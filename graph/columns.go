package graph

import (
	"context"
	"maps"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"mediagraph/ent"
	"mediagraph/ent/productimage"
)

// Product images are eager-loaded by entgql's field collection, which
// selects only the columns a selection names, but every column as soon as
// it meets a field that is not an ent field, and `image` (a MediaFile made
// of seven image_* columns) is not one. On a list page that made the images
// query read all 12 columns of 150 rows. withPageImageColumns names the
// columns the page's `images` selections need, and imageColumns, an ent
// interceptor, has the eager load select only those.

type imageColumnsKey struct{}

// withImageColumns returns ctx carrying the product_images columns that the
// `images` selections under products need (product is the set of
// selections on a Product), or ctx unchanged when one of them asks for a
// field this code does not map: then entgql's choice stands.
func withImageColumns(ctx context.Context, oc *graphql.OperationContext, product ast.SelectionSet) context.Context {
	cols := map[string]bool{productimage.FieldProductID: true, productimage.FieldPosition: true}
	image := false
	for _, f := range graphql.CollectFields(oc, product, productImplementors) {
		if f.Name != "images" {
			continue
		}
		ok, withImage := imageFieldColumns(oc, f.Selections, cols)
		if !ok {
			return ctx
		}
		image = image || withImage
	}
	if !image {
		return ctx // entgql selects the columns itself
	}
	return context.WithValue(ctx, imageColumnsKey{}, slices.Sorted(maps.Keys(cols)))
}

// withPageImageColumns is withImageColumns for a ProductConnection field.
func withPageImageColumns(ctx context.Context) context.Context {
	fc, oc := graphql.GetFieldContext(ctx), graphql.GetOperationContext(ctx)
	if fc == nil || oc == nil {
		return ctx
	}
	var product ast.SelectionSet
	for _, e := range graphql.CollectFields(oc, fc.Field.Selections, productConnectionImplementors) {
		if e.Name != "edges" {
			continue
		}
		for _, n := range graphql.CollectFields(oc, e.Selections, productEdgeImplementors) {
			if n.Name == "node" {
				product = append(product, n.Selections...)
			}
		}
	}
	return withImageColumns(ctx, oc, product)
}

// The columns each field needs (none for some). A field missing here
// (ProductImage.product, whose images may want other columns, or any field
// added later) makes the page load every column.
var (
	productImageColumns = map[string][]string{
		"id": nil, "__typename": nil,
		"alt": {productimage.FieldAlt}, "position": {productimage.FieldPosition}, "createdAt": {productimage.FieldCreatedAt},
	}
	mediaFileColumns = mediaFileColumnsOf(productImageImage)
)

// mediaFileColumnsOf maps each MediaFile field to the target's columns it
// is made of.
func mediaFileColumnsOf(t *uploadTarget) map[string][]string {
	c := func(suffixes ...string) []string {
		cols := make([]string, len(suffixes))
		for i, s := range suffixes {
			cols[i] = t.column + s
		}
		return cols
	}
	// What the variants follow from (graph/mediafile.go).
	variants := c(columnPath, columnContentType, columnWidth, columnHeight, columnVariantType)
	return map[string][]string{
		"__typename": nil,
		"path":       c(columnPath), "url": c(columnPath),
		"name": c(columnName), "size": c(columnSize),
		"contentType": c(columnContentType), "sha256": c(columnSHA256),
		"width": c(columnWidth), "height": c(columnHeight),
		"variants": variants, "variant": variants, "srcset": variants,
		"placeholder": c(columnPlaceholder),
	}
}

// imageFieldColumns adds to cols the columns a selection on ProductImage
// needs, and tells whether it holds `image`; ok is false if it holds a
// field not mapped here.
func imageFieldColumns(oc *graphql.OperationContext, sel ast.SelectionSet, cols map[string]bool) (ok, image bool) {
	add := func(fields []graphql.CollectedField, columns map[string][]string) bool {
		for _, f := range fields {
			names, known := columns[f.Name]
			if !known {
				return false
			}
			for _, col := range names {
				cols[col] = true
			}
		}
		return true
	}
	for _, f := range graphql.CollectFields(oc, sel, productImageImplementors) {
		if f.Name != "image" {
			if !add([]graphql.CollectedField{f}, productImageColumns) {
				return false, image
			}
			continue
		}
		image = true
		if !add(graphql.CollectFields(oc, f.Selections, mediaFileImplementors), mediaFileColumns) {
			return false, image
		}
	}
	return true, image
}

// imageColumns is the ent interceptor that loads product images with only
// the columns withImageColumns named, when the context carries them. (An
// interceptor sees the outermost query's QueryContext, not the eager load's,
// so it cannot tell what entgql selected; withImageColumns only names
// columns when a selection holds `image`, for which entgql selects all, and
// a column named twice is read twice, harmlessly.)
func imageColumns() ent.Interceptor {
	return ent.InterceptFunc(func(next ent.Querier) ent.Querier {
		return ent.QuerierFunc(func(ctx context.Context, q ent.Query) (ent.Value, error) {
			if cols, _ := ctx.Value(imageColumnsKey{}).([]string); cols != nil {
				if piq, ok := q.(*ent.ProductImageQuery); ok {
					piq.Select(cols...)
				}
			}
			return next.Query(ctx, q)
		})
	})
}
