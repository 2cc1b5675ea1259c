package graph

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"mediagraph/ent"
	"mediagraph/ent/document"
	"mediagraph/ent/productimage"
	"mediagraph/media"
)

// uploadTarget is one place an upload is kept: the rule it must pass,
// where it is stored (Django's upload_to), the columns of its row, and how
// to read them back. Every piece of code that handles a target — the
// resolvers storing and reading files, uploadRules, the column selection
// of list pages, the sweep's question "which keys does a row name?" —
// reads this table, so a target is added by adding an entry (and its
// columns to ent/schema with mediaFileFields, and a rule to Rules).
type uploadTarget struct {
	name   string // "ProductImage.image": UploadRule.target, the rule's Target, the metrics label
	prefix string // where its files are stored
	column string // its columns' prefix in the row: image → image_path, image_name, …
	rule   func(Rules) media.Rule
	// file reads the stored file's columns of a row; ok is false when an
	// optional file is absent.
	file func(row any) (f storedFile, ok bool)
	// referenced returns which of keys a row of this target names.
	referenced func(ctx context.Context, c *ent.Client, keys []string) ([]string, error)
	// image: its files are images, with renditions. The rest is for
	// images only.
	image bool
	// rows returns the rows naming keys.
	rows func(ctx context.Context, c *ent.Client, keys []string) ([]any, error)
	// update returns the update of the rows naming key.
	// save updates the rows naming key (set sets their columns) and
	// reports whether there were any.
	save func(ctx context.Context, c *ent.Client, key string, set func(ent.Mutation) error) (bool, error)
}

// The upload targets.
var (
	productImageImage = &uploadTarget{
		name: "ProductImage.image", prefix: "products/images/", column: "image",
		rule: func(r Rules) media.Rule { return r.ProductImage },
		file: func(row any) (storedFile, bool) {
			im := row.(*ent.ProductImage)
			return storedFile{im.ImagePath, im.ImageName, im.ImageSize, im.ImageContentType, im.ImageSha256, im.ImageWidth, im.ImageHeight, im.ImageVariantType, im.ImagePlaceholder}, true
		},
		referenced: func(ctx context.Context, c *ent.Client, keys []string) ([]string, error) {
			return c.ProductImage.Query().Where(productimage.ImagePathIn(keys...)).Select(productimage.FieldImagePath).Strings(ctx)
		},
		image: true,
		rows: func(ctx context.Context, c *ent.Client, keys []string) ([]any, error) {
			return anys(c.ProductImage.Query().Where(productimage.ImagePathIn(keys...)).All(ctx))
		},
		save: func(ctx context.Context, c *ent.Client, key string, set func(ent.Mutation) error) (bool, error) {
			u := c.ProductImage.Update().Where(productimage.ImagePath(key))
			if err := set(u.Mutation()); err != nil {
				return false, err
			}
			n, err := u.Save(ctx)
			return n > 0, err
		},
	}
	documentFile = &uploadTarget{
		name: "Document.file", prefix: "documents/", column: "file",
		rule: func(r Rules) media.Rule { return r.DocumentFile },
		file: func(row any) (storedFile, bool) {
			d := row.(*ent.Document)
			return storedFile{d.FilePath, d.FileName, d.FileSize, d.FileContentType, d.FileSha256, d.FileWidth, d.FileHeight, nil, nil}, true
		},
		referenced: func(ctx context.Context, c *ent.Client, keys []string) ([]string, error) {
			return c.Document.Query().Where(document.FilePathIn(keys...)).Select(document.FieldFilePath).Strings(ctx)
		},
	}
	documentImage = &uploadTarget{
		name: "Document.image", prefix: "images/", column: "image",
		rule: func(r Rules) media.Rule { return r.DocumentImage },
		file: func(row any) (storedFile, bool) {
			d := row.(*ent.Document)
			if d.ImagePath == nil {
				return storedFile{}, false
			}
			return storedFile{*d.ImagePath, deref(d.ImageName), deref(d.ImageSize), deref(d.ImageContentType), deref(d.ImageSha256), d.ImageWidth, d.ImageHeight, d.ImageVariantType, d.ImagePlaceholder}, true
		},
		referenced: func(ctx context.Context, c *ent.Client, keys []string) ([]string, error) {
			// image_path IN (…) leaves out the documents without one.
			return c.Document.Query().Where(document.ImagePathIn(keys...)).Select(document.FieldImagePath).Strings(ctx)
		},
		image: true,
		rows: func(ctx context.Context, c *ent.Client, keys []string) ([]any, error) {
			return anys(c.Document.Query().Where(document.ImagePathIn(keys...)).All(ctx))
		},
		save: func(ctx context.Context, c *ent.Client, key string, set func(ent.Mutation) error) (bool, error) {
			u := c.Document.Update().Where(document.ImagePath(key))
			if err := set(u.Mutation()); err != nil {
				return false, err
			}
			n, err := u.Save(ctx)
			return n > 0, err
		},
	}
)

// uploadTargets are the targets, in the order uploadRules lists them.
var uploadTargets = []*uploadTarget{productImageImage, documentFile, documentImage}

// UploadPrefixes are the prefixes under which the targets store their
// files (media.Options.Prefixes: nothing else is served or swept).
func UploadPrefixes() []string {
	prefixes := make([]string, len(uploadTargets))
	for i, t := range uploadTargets {
		prefixes[i] = t.prefix
	}
	return prefixes
}

// Referenced reports which of keys a row of any target names (the sweep
// removes the others).
func Referenced(ctx context.Context, c *ent.Client, keys []string) (map[string]bool, error) {
	found := make(map[string]bool)
	for _, t := range uploadTargets {
		named, err := t.referenced(ctx, c, keys)
		if err != nil {
			return nil, fmt.Errorf("keys named by %s: %w", t.name, err)
		}
		for _, k := range named {
			found[k] = true
		}
	}
	return found, nil
}

// storedFile is the stored file's columns of a row.
type storedFile struct {
	path, name          string
	size                int64
	contentType, sha256 string
	width, height       *int
	// Images only: the content type of the renditions ("" when they
	// cannot be made; nil for an image stored before renditions, whose
	// type follows from the original's), and the placeholder.
	variantType, placeholder *string
}

// source is the stored file as its renditions see it.
func (f storedFile) source() media.Source {
	vt := media.VariantType(f.contentType, f.contentType != media.TypeJPEG)
	if f.variantType != nil {
		vt = *f.variantType
	}
	return media.Source{Key: f.path, Width: deref(f.width), Height: deref(f.height), VariantType: vt}
}

func anys[T any](rows []T, err error) ([]any, error) {
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = r
	}
	return out, err
}

// Column suffixes of a stored file (ent/schema's mediaFileFields).
const (
	columnPath        = "_path"
	columnName        = "_name"
	columnSize        = "_size"
	columnContentType = "_content_type"
	columnSHA256      = "_sha256"
	columnWidth       = "_width"
	columnHeight      = "_height"
	columnVariantType = "_variant_type"
	columnPlaceholder = "_placeholder"
)

// setFile writes f into the target's columns of the row m creates.
func (t *uploadTarget) setFile(m ent.Mutation, f media.File) error {
	type column struct {
		suffix string
		value  ent.Value
	}
	values := []column{
		{columnPath, f.Key}, {columnName, f.Name}, {columnSize, f.Size},
		{columnContentType, f.ContentType}, {columnSHA256, f.SHA256},
	}
	if f.Width > 0 { // images only
		values = append(values, column{columnWidth, f.Width}, column{columnHeight, f.Height})
	}
	if t.image {
		values = append(values, column{columnVariantType, media.VariantType(f.ContentType, f.Alpha)})
	}
	for _, v := range values {
		if err := m.SetField(t.column+v.suffix, v.value); err != nil {
			return fmt.Errorf("writing %s: %w", t.name, err)
		}
	}
	return nil
}

// arg is an upload for this target, carried by the argument at field.
func (r *Resolver) arg(t *uploadTarget, field string, up *graphql.Upload) fileArg {
	return fileArg{field: field, upload: up, target: t, rule: t.rule(r.Rules)}
}

// mediaFile is the GraphQL view of the target's file in row; nil when an
// optional file is absent.
func (r *Resolver) mediaFile(ctx context.Context, t *uploadTarget, row any) (*MediaFile, error) {
	f, ok := t.file(row)
	if !ok {
		return nil, nil
	}
	url, err := r.url(ctx, f.path)
	if err != nil {
		return nil, err
	}
	return &MediaFile{
		Path:        f.path,
		URL:         url,
		Name:        f.name,
		Size:        int(f.size),
		ContentType: f.contentType,
		Sha256:      f.sha256,
		Width:       f.width,
		Height:      f.height,
		Placeholder: f.placeholder,
		image:       t.image && media.VariantType(f.contentType, false) != "",
		source:      f.source(),
		r:           r,
	}, nil
}

// keysOf are the keys of the target's file in row and of its variants:
// what goes when the row goes.
func (r *Resolver) keysOf(t *uploadTarget, row any) []string {
	f, ok := t.file(row)
	if !ok {
		return nil
	}
	keys := []string{f.path}
	if t.image {
		keys = append(keys, media.VariantKeys(f.source(), r.Presets)...)
	}
	return keys
}

// imageTargetOf is the image target whose files are stored directly
// under key's directory.
func imageTargetOf(key string) *uploadTarget {
	dir := key[:strings.LastIndexByte(key, '/')+1]
	for _, t := range uploadTargets {
		if t.image && t.prefix == dir {
			return t
		}
	}
	return nil
}

// Sources finds the stored images named by bases (keys without their
// extension), for the renditions (media.RenditionOptions.Sources).
func Sources(ctx context.Context, c *ent.Client, bases []string) (map[string]media.Source, error) {
	byTarget := make(map[*uploadTarget][]string)
	for _, base := range bases {
		t := imageTargetOf(base)
		if t == nil {
			continue
		}
		for _, ext := range media.ImageExtensions() {
			byTarget[t] = append(byTarget[t], base+"."+ext)
		}
	}
	found := make(map[string]media.Source, len(bases))
	for t, keys := range byTarget {
		rows, err := t.rows(ctx, c, keys)
		if err != nil {
			return nil, fmt.Errorf("images named by %s: %w", t.name, err)
		}
		for _, row := range rows {
			if f, ok := t.file(row); ok {
				found[strings.TrimSuffix(f.path, path.Ext(f.path))] = f.source()
			}
		}
	}
	return found, nil
}

// RecordRendered writes what the renditions of the image at key left to
// remember: its placeholder once they are made, or, when they cannot be
// made, an empty variant type (the original stands in for them). It
// reports whether a row names key.
func RecordRendered(ctx context.Context, c *ent.Client, key string, placeholder string, unrenderable bool) (bool, error) {
	t := imageTargetOf(key)
	if t == nil {
		return false, fmt.Errorf("no image target stores %s", key)
	}
	return t.save(ctx, c, key, func(m ent.Mutation) error {
		if unrenderable {
			return m.SetField(t.column+columnVariantType, "")
		}
		return m.SetField(t.column+columnPlaceholder, placeholder)
	})
}

// imageBatch is how many rows EachImage reads at once.
const imageBatch = 500

// EachImage calls fn with every stored image, by target and id; pending
// tells that its renditions were never recorded as made (no placeholder
// yet, and not known to be unrenderable): those a crash or a full queue
// left undone, and those stored before renditions existed. With
// pendingOnly, only those are visited.
func EachImage(ctx context.Context, c *ent.Client, pendingOnly bool, fn func(src media.Source, pending bool) error) error {
	pages := []func(after int) ([]any, error){
		func(after int) ([]any, error) {
			q := c.ProductImage.Query().Where(productimage.IDGT(after))
			if pendingOnly {
				q.Where(productimage.ImagePlaceholderIsNil(), productimage.Or(productimage.ImageVariantTypeIsNil(), productimage.ImageVariantTypeNEQ("")))
			}
			return anys(q.Order(ent.Asc(productimage.FieldID)).Limit(imageBatch).All(ctx))
		},
		func(after int) ([]any, error) {
			q := c.Document.Query().Where(document.IDGT(after), document.ImagePathNotNil())
			if pendingOnly {
				q.Where(document.ImagePlaceholderIsNil(), document.Or(document.ImageVariantTypeIsNil(), document.ImageVariantTypeNEQ("")))
			}
			return anys(q.Order(ent.Asc(document.FieldID)).Limit(imageBatch).All(ctx))
		},
	}
	targets := []*uploadTarget{productImageImage, documentImage}
	for i, page := range pages {
		for after := 0; ; {
			rows, err := page(after)
			if err != nil {
				return fmt.Errorf("images of %s: %w", targets[i].name, err)
			}
			for _, row := range rows {
				f, ok := targets[i].file(row)
				if !ok {
					continue
				}
				src := f.source()
				pending := f.placeholder == nil && src.VariantType != ""
				if err := fn(src, pending); err != nil {
					return err
				}
			}
			if len(rows) < imageBatch {
				break
			}
			after = rowID(rows[len(rows)-1])
		}
	}
	return nil
}

func rowID(row any) int {
	switch r := row.(type) {
	case *ent.ProductImage:
		return r.ID
	case *ent.Document:
		return r.ID
	}
	panic(fmt.Sprintf("graph: no id for %T", row))
}
