package graph

import (
	"context"
	"fmt"

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
}

// The upload targets.
var (
	productImageImage = &uploadTarget{
		name: "ProductImage.image", prefix: "products/images/", column: "image",
		rule: func(r Rules) media.Rule { return r.ProductImage },
		file: func(row any) (storedFile, bool) {
			im := row.(*ent.ProductImage)
			return storedFile{im.ImagePath, im.ImageName, im.ImageSize, im.ImageContentType, im.ImageSha256, im.ImageWidth, im.ImageHeight}, true
		},
		referenced: func(ctx context.Context, c *ent.Client, keys []string) ([]string, error) {
			return c.ProductImage.Query().Where(productimage.ImagePathIn(keys...)).Select(productimage.FieldImagePath).Strings(ctx)
		},
	}
	documentFile = &uploadTarget{
		name: "Document.file", prefix: "documents/", column: "file",
		rule: func(r Rules) media.Rule { return r.DocumentFile },
		file: func(row any) (storedFile, bool) {
			d := row.(*ent.Document)
			return storedFile{d.FilePath, d.FileName, d.FileSize, d.FileContentType, d.FileSha256, d.FileWidth, d.FileHeight}, true
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
			return storedFile{*d.ImagePath, deref(d.ImageName), deref(d.ImageSize), deref(d.ImageContentType), deref(d.ImageSha256), d.ImageWidth, d.ImageHeight}, true
		},
		referenced: func(ctx context.Context, c *ent.Client, keys []string) ([]string, error) {
			// image_path IN (…) leaves out the documents without one.
			return c.Document.Query().Where(document.ImagePathIn(keys...)).Select(document.FieldImagePath).Strings(ctx)
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
	url := r.MediaURL + f.path
	if r.SignedURLTTL > 0 {
		var err error
		if url, err = r.Media.SignedURL(ctx, f.path, r.SignedURLTTL); err != nil {
			return nil, err
		}
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
	}, nil
}
