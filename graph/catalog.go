package graph

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"

	"mediagraph/ent"
	"mediagraph/ent/document"
	"mediagraph/ent/predicate"
	"mediagraph/ent/product"
	"mediagraph/ent/productimage"
	"mediagraph/media"
)

// Field limits of the models (ent/schema holds the same numbers).
const (
	maxProductName   = 150
	maxDocumentTitle = 100
	maxAltText       = 1000
)

func (r *Resolver) createProduct(ctx context.Context, input CreateProductInput, images []*graphql.Upload) (*ent.Product, error) {
	if err := checkText("input.name", input.Name, maxProductName, true); err != nil {
		return nil, err
	}
	args := make([]fileArg, len(images))
	for i, up := range images {
		args[i] = r.arg(productImageImage, fmt.Sprintf("images.%d", i), up)
	}
	var created *ent.Product
	err := r.withFilesTx(ctx, args, func(tx *ent.Tx, files []media.File) error {
		p, err := tx.Product.Create().
			SetName(input.Name).
			SetDescription(deref(input.Description)).
			SetPrice(input.Price).
			Save(ctx)
		if err != nil {
			return err
		}
		if _, err := createImages(ctx, tx, p.ID, 0, files, ""); err != nil {
			return err
		}
		created = p
		return nil
	})
	if err != nil {
		return nil, err
	}
	return created.Unwrap(), nil
}

func (r *Resolver) updateProduct(ctx context.Context, id int, input UpdateProductInput) (*ent.Product, error) {
	if input.Name != nil {
		if err := checkText("input.name", *input.Name, maxProductName, true); err != nil {
			return nil, err
		}
	}
	p, err := r.Client.Product.UpdateOneID(id).
		SetNillableName(input.Name).
		SetNillableDescription(input.Description).
		SetNillablePrice(input.Price).
		Save(ctx)
	if ent.IsNotFound(err) {
		return nil, notFound("id", "product", id)
	}
	return p, err
}

func (r *Resolver) deleteProduct(ctx context.Context, id int) (int, error) {
	var keys []string
	err := r.withTx(ctx, func(tx *ent.Tx) error {
		images, err := tx.ProductImage.Query().Where(productimage.ProductID(id)).All(ctx)
		if err != nil {
			return err
		}
		if err := tx.Product.DeleteOneID(id).Exec(ctx); err != nil {
			if ent.IsNotFound(err) {
				return notFound("id", "product", id)
			}
			return err
		}
		// The images go with the product (ON DELETE CASCADE).
		for _, im := range images {
			keys = append(keys, r.keysOf(productImageImage, im)...)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	r.removeKeys(ctx, keys...)
	return id, nil
}

// addProductImages stores the images and appends them after the product's
// last image.
func (r *Resolver) addProductImages(ctx context.Context, productID int, args []fileArg, alt string) ([]*ent.ProductImage, error) {
	if err := checkText("alt", alt, maxAltText, false); err != nil {
		return nil, err
	}
	// Refuse an unknown product before storing anything.
	exists, err := r.Client.Product.Query().Where(product.ID(productID)).Exist(ctx)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, notFound("productID", "product", productID)
	}
	var added []*ent.ProductImage
	err = r.withFilesTx(ctx, args, func(tx *ent.Tx, files []media.File) error {
		last, err := tx.ProductImage.Query().
			Where(productimage.ProductID(productID)).
			Order(ent.Desc(productimage.FieldPosition)).
			First(ctx)
		next := 0
		switch {
		case err == nil:
			next = last.Position + 1
		case !ent.IsNotFound(err):
			return err
		}
		added, err = createImages(ctx, tx, productID, next, files, alt)
		if ent.IsConstraintError(err) {
			// The product was deleted since the check above.
			return notFound("productID", "product", productID)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	for i := range added {
		added[i] = added[i].Unwrap()
	}
	return added, nil
}

func createImages(ctx context.Context, tx *ent.Tx, productID, firstPosition int, files []media.File, alt string) ([]*ent.ProductImage, error) {
	if len(files) == 0 {
		return nil, nil
	}
	builders := make([]*ent.ProductImageCreate, len(files))
	for i, f := range files {
		builders[i] = tx.ProductImage.Create().
			SetProductID(productID).
			SetPosition(firstPosition + i).
			SetAlt(alt)
		if err := productImageImage.setFile(builders[i].Mutation(), f); err != nil {
			return nil, err
		}
	}
	return tx.ProductImage.CreateBulk(builders...).Save(ctx)
}

func (r *Resolver) updateProductImage(ctx context.Context, id int, alt *string, position *int) (*ent.ProductImage, error) {
	if alt != nil {
		if err := checkText("alt", *alt, maxAltText, false); err != nil {
			return nil, err
		}
	}
	if position != nil && *position < 0 {
		return nil, badInput("position", "position must not be negative")
	}
	im, err := r.Client.ProductImage.UpdateOneID(id).
		SetNillableAlt(alt).
		SetNillablePosition(position).
		Save(ctx)
	if ent.IsNotFound(err) {
		return nil, notFound("id", "product image", id)
	}
	return im, err
}

func (r *Resolver) deleteProductImage(ctx context.Context, id int) (int, error) {
	var keys []string
	err := r.withTx(ctx, func(tx *ent.Tx) error {
		im, err := tx.ProductImage.Get(ctx, id)
		if ent.IsNotFound(err) {
			return notFound("id", "product image", id)
		}
		if err != nil {
			return err
		}
		keys = r.keysOf(productImageImage, im)
		return tx.ProductImage.DeleteOne(im).Exec(ctx)
	})
	if err != nil {
		return 0, err
	}
	r.removeKeys(ctx, keys...)
	return id, nil
}

func (r *Resolver) createDocument(ctx context.Context, input CreateDocumentInput) (*ent.Document, error) {
	if err := checkText("input.title", input.Title, maxDocumentTitle, true); err != nil {
		return nil, err
	}
	args := []fileArg{r.arg(documentFile, "input.file", &input.File)}
	if input.Image != nil {
		args = append(args, r.arg(documentImage, "input.image", input.Image))
	}
	var created *ent.Document
	err := r.withFilesTx(ctx, args, func(tx *ent.Tx, files []media.File) error {
		c := tx.Document.Create().SetTitle(input.Title)
		for i, f := range files {
			if err := args[i].target.setFile(c.Mutation(), f); err != nil {
				return err
			}
		}
		d, err := c.Save(ctx)
		created = d
		return err
	})
	if err != nil {
		return nil, err
	}
	return created.Unwrap(), nil
}

func (r *Resolver) deleteDocument(ctx context.Context, id int) (int, error) {
	var keys []string
	err := r.withTx(ctx, func(tx *ent.Tx) error {
		d, err := tx.Document.Get(ctx, id)
		if ent.IsNotFound(err) {
			return notFound("id", "document", id)
		}
		if err != nil {
			return err
		}
		keys = append(r.keysOf(documentFile, d), r.keysOf(documentImage, d)...)
		return tx.Document.DeleteOne(d).Exec(ctx)
	})
	if err != nil {
		return 0, err
	}
	r.removeKeys(ctx, keys...)
	return id, nil
}

func (r *Resolver) node(ctx context.Context, id int) (ent.Noder, error) {
	n, err := r.Client.Noder(ctx, id)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return n, err
}

func (r *Resolver) nodes(ctx context.Context, ids []int) ([]ent.Noder, error) {
	if len(ids) > maxPageSize {
		return nil, badInput("ids", "at most %d ids", maxPageSize)
	}
	nodes := make([]ent.Noder, len(ids))
	for i, id := range ids {
		n, err := r.node(ctx, id)
		if err != nil {
			return nil, err
		}
		nodes[i] = n
	}
	return nodes, nil
}

func (r *Resolver) uploadRules() []*UploadRule {
	out := make([]*UploadRule, len(uploadTargets))
	for i, t := range uploadTargets {
		rule := t.rule(r.Rules)
		out[i] = &UploadRule{
			Target:       rule.Target,
			ContentTypes: rule.ContentTypes,
			Extensions:   rule.Extensions,
			MaxBytes:     int(rule.MaxBytes),
			MinWidth:     intPtr(rule.MinWidth),
			MinHeight:    intPtr(rule.MinHeight),
			MaxPixels:    intPtr(int(rule.MaxPixels)),
			Variants:     []*RenditionPreset{},
		}
		if t.image {
			for _, p := range r.Presets {
				out[i].Variants = append(out[i].Variants, &RenditionPreset{Name: p.Name, Width: p.Width, Height: intPtr(p.Height), Fit: string(p.Fit)})
			}
		}
	}
	return out
}

// pageSize checks first/last and defaults first to a page of 20.
func pageSize(first, last *int) (*int, error) {
	for name, v := range map[string]*int{"first": first, "last": last} {
		if v != nil && (*v < 0 || *v > maxPageSize) {
			return nil, badInput(name, "%s must be between 0 and %d", name, maxPageSize)
		}
	}
	if first == nil && last == nil {
		n := defaultPageSize
		return &n, nil
	}
	return first, nil
}

// productImages returns a product's images, ordered: those eager-loaded
// with the page (field collection, under the field's alias), or else one
// query for them (a product a mutation returns).
func (r *Resolver) productImages(ctx context.Context, p *ent.Product) ([]*ent.ProductImage, error) {
	images, err := p.Edges.ImagesOrErr()
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Field.Alias != "" {
		images, err = p.NamedImages(fc.Field.Alias)
	}
	if err != nil {
		if images, err = p.QueryImages().All(ctx); err != nil {
			return nil, err
		}
	}
	return sortImages(images), nil
}

// sortImages orders a product's images by position, then id.
func sortImages(images []*ent.ProductImage) []*ent.ProductImage {
	slices.SortFunc(images, func(a, b *ent.ProductImage) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), cmp.Compare(a.ID, b.ID))
	})
	if images == nil {
		images = []*ent.ProductImage{}
	}
	return images
}

func checkText(field, s string, maxRunes int, required bool) error {
	switch {
	case required && strings.TrimSpace(s) == "":
		return badInput(field, "%s must not be empty", field)
	case !utf8.ValidString(s):
		return badInput(field, "%s must be valid UTF-8", field)
	case utf8.RuneCountInString(s) > maxRunes:
		return badInput(field, "%s must be at most %d characters", field, maxRunes)
	}
	return nil
}

func productWithID(id int) predicate.Product   { return product.ID(id) }
func documentWithID(id int) predicate.Document { return document.ID(id) }

func firstOrNil[T any](items []*T, err error) (*T, error) {
	if err != nil || len(items) == 0 {
		return nil, err
	}
	return items[0], nil
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
