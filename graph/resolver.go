// Package graph is mediagraph's GraphQL layer: the schema (*.graphqls), the
// resolvers, the error presenter that gives every refusal its
// extensions.code, and the generated executable schema. It calls media/ to
// validate and store files and ent/ to keep their rows.
package graph

import (
	"context"
	"log/slog"
	"time"

	"mediagraph/ent"
	"mediagraph/media"
	"mediagraph/metrics"
)

// Rules are the file rules of each upload target.
type Rules struct {
	ProductImage  media.Rule // ProductImage.image
	DocumentFile  media.Rule // Document.file
	DocumentImage media.Rule // Document.image
}

// Storage is what the resolvers need of media.Store (an interface so that
// tests can inject faults around the real store).
type Storage interface {
	media.Stager
	Check(ctx context.Context, rule media.Rule, st *media.Staged) error
	Put(ctx context.Context, prefix string, st *media.Staged) (media.File, error)
	Delete(ctx context.Context, keys ...string) error
	SignedURL(ctx context.Context, key string, ttl time.Duration) (string, error)
	// Enqueue and MakeVariants have an image's renditions made, in the
	// background or before returning.
	Enqueue(src media.Source) bool
	MakeVariants(ctx context.Context, src media.Source) error
}

// Resolver is the dependency-injection root of the resolvers. It is built
// once by server.go and shared by every request.
type Resolver struct {
	Client   *ent.Client
	Media    Storage
	Rules    Rules
	MediaURL string // prefix of MediaFile.url, ends with "/"
	// SignedURLTTL, when positive, makes MediaFile.url a presigned GET URL
	// of the bucket, valid this long, instead of MediaURL + path.
	SignedURLTTL time.Duration
	// Presets are the renditions every image gets (none: off).
	Presets []media.Preset
	// WaitForVariants makes a mutation that stores images return only
	// once their variants are stored: set when the media URL is not
	// served by this server (a CDN, signed bucket URLs), where a variant
	// cannot be made on its first GET. Otherwise they are made in the
	// background, and on the first GET of one not made yet.
	WaitForVariants bool
	// MaxCommitDelay bounds the time from storing a mutation's files to
	// committing their rows (half the sweep's grace period), so that no
	// sweep can have taken a file for an orphan before its row commits.
	MaxCommitDelay time.Duration
	Log            *slog.Logger
	Metrics        *metrics.Metrics // nil: not recorded
}

// Connection page sizes.
const (
	defaultPageSize = 20
	maxPageSize     = 100
)
