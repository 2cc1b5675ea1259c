package graph

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"mediagraph/media"
)

// MediaFile is the GraphQL view of a stored file, made from a row's
// columns (uploadTarget.file). Its variants, srcset and placeholder follow
// from those columns and the presets in force: reading them costs no query
// and no look at the storage.
type MediaFile struct {
	Path        string
	URL         string
	Name        string
	Size        int
	ContentType string
	Sha256      string
	Width       *int
	Height      *int
	// Placeholder is the data: URI written once the renditions were made.
	Placeholder *string

	image  bool         // an image: it has variants
	source media.Source // VariantType empty: the original stands in for them
	r      *Resolver
}

// Variants lists the image's variants, one per preset, smallest first;
// none for a document.
func (f *MediaFile) Variants(ctx context.Context) ([]*MediaVariant, error) {
	if !f.image {
		return []*MediaVariant{}, nil
	}
	out := make([]*MediaVariant, 0, len(f.r.Presets))
	if f.source.VariantType == "" {
		// They cannot be made: the original stands in for each.
		for _, p := range f.r.Presets {
			out = append(out, f.original(p.Name))
		}
		return out, nil
	}
	for _, v := range media.Variants(f.source, f.r.Presets) {
		mv, err := f.variant(ctx, v)
		if err != nil {
			return nil, err
		}
		out = append(out, mv)
	}
	return out, nil
}

// Variant is the variant of the named preset, or nil.
func (f *MediaFile) Variant(ctx context.Context, name string) (*MediaVariant, error) {
	i := slices.IndexFunc(f.r.Presets, func(p media.Preset) bool { return p.Name == name })
	if !f.image || i < 0 {
		return nil, nil
	}
	if f.source.VariantType == "" {
		return f.original(name), nil
	}
	return f.variant(ctx, media.Variants(f.source, f.r.Presets[i:i+1])[0])
}

// Srcset lists the width presets' variants and the original by their
// widths, each width once (a variant at the image's own width stands for
// the original: it is smaller, and carries no metadata).
func (f *MediaFile) Srcset(ctx context.Context) (*string, error) {
	if !f.image || f.Width == nil {
		return nil, nil
	}
	var (
		entries []string
		widths  []int
	)
	if f.source.VariantType != "" {
		for _, v := range media.Variants(f.source, f.r.Presets) {
			if v.Preset.Fit != media.FitWidth || slices.Contains(widths, v.Width) {
				continue
			}
			url, err := f.r.url(ctx, v.Key)
			if err != nil {
				return nil, err
			}
			entries = append(entries, url+" "+strconv.Itoa(v.Width)+"w")
			widths = append(widths, v.Width)
		}
	}
	if !slices.Contains(widths, *f.Width) {
		entries = append(entries, f.URL+" "+strconv.Itoa(*f.Width)+"w")
	}
	s := strings.Join(entries, ", ")
	return &s, nil
}

func (f *MediaFile) variant(ctx context.Context, v media.Variant) (*MediaVariant, error) {
	url, err := f.r.url(ctx, v.Key)
	if err != nil {
		return nil, err
	}
	return &MediaVariant{Name: v.Preset.Name, URL: url, Width: v.Width, Height: v.Height, ContentType: v.ContentType}, nil
}

// original is the original standing in for a variant.
func (f *MediaFile) original(name string) *MediaVariant {
	return &MediaVariant{Name: name, URL: f.URL, Width: deref(f.Width), Height: deref(f.Height), ContentType: f.ContentType}
}

// url is where a stored key is served: MEDIA_URL + key, or a presigned
// URL of the bucket.
func (r *Resolver) url(ctx context.Context, key string) (string, error) {
	if r.SignedURLTTL > 0 {
		return r.Media.SignedURL(ctx, key, r.SignedURLTTL)
	}
	return r.MediaURL + key, nil
}
