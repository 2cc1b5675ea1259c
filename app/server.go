// Package app wires mediagraph together: the settings (flags and
// environment), the database and its migrations, the media store, the
// routes with their middleware, the lingering close after early refusals,
// health, and the sweep of unreferenced files. server.go, at the top of the
// repository, reads the command line and environment into a Config, builds
// a Server here, listens and shuts down.
package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"entgo.io/ent/dialect"

	_ "gocloud.dev/blob/fileblob"
	_ "gocloud.dev/blob/memblob"
	_ "gocloud.dev/blob/s3blob"

	"mediagraph/ent"
	"mediagraph/graph"
	"mediagraph/graph/gqlhttp"
	"mediagraph/media"
	"mediagraph/metrics"
	"mediagraph/web"
)

// Server is a built mediagraph: its HTTP handler and what it must close.
type Server struct {
	Handler http.Handler
	Client  *ent.Client
	Media   *media.Store
	Metrics *metrics.Metrics
	storage graph.Storage // Media, or a wrapper of it
	cfg     *Config
	log     *slog.Logger
	db      *sql.DB
	linger  *lingering
}

// HTTPServer is the http.Server to serve Handler with, on a listener
// wrapped by Listener: its timeouts, and the hooks of the lingering close
// after an early refusal. Requests' contexts derive from base.
func (s *Server) HTTPServer(base context.Context) *http.Server {
	hs := &http.Server{
		Handler:           s.Handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	s.linger.configure(hs)
	return hs
}

// Listener wraps ln so that a connection closed after an early refusal
// lingers (reads and discards the rest of the request) before it closes.
func (s *Server) Listener(ln net.Listener) net.Listener { return s.linger.Listener(ln) }

// Option adjusts how BuildServer wires the server (tests use it to watch
// the database).
type Option func(*buildOptions)

type buildOptions struct {
	wrapDriver  func(dialect.Driver) dialect.Driver
	wrapStorage func(graph.Storage) graph.Storage
	media       media.Options
}

// WithStorageWrapper wraps the store the resolvers and the transport use
// (tests inject storage faults with it).
func WithStorageWrapper(wrap func(graph.Storage) graph.Storage) Option {
	return func(o *buildOptions) { o.wrapStorage = wrap }
}

// WithMediaOptions opens the store with these options.
func WithMediaOptions(opts media.Options) Option {
	return func(o *buildOptions) { o.media = opts }
}

// WithDriverWrapper wraps the ent driver, e.g. to count statements.
func WithDriverWrapper(wrap func(dialect.Driver) dialect.Driver) Option {
	return func(o *buildOptions) { o.wrapDriver = wrap }
}

// BuildServer opens the database (migrating it) and the storage, removes
// temporaries a crash left behind, and builds the routes.
func BuildServer(ctx context.Context, cfg *Config, log *slog.Logger, opts ...Option) (*Server, error) {
	var o buildOptions
	for _, opt := range opts {
		opt(&o)
	}
	conn, err := openDB(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if cfg.Migrate {
		err = conn.migrate(ctx, log)
	} else {
		err = conn.checkMigrated(ctx, log)
	}
	if err != nil {
		conn.db.Close()
		return nil, err
	}
	m := metrics.New()
	db, client := conn.db, conn.client(func(d dialect.Driver) dialect.Driver {
		d = m.Driver(d)
		if o.wrapDriver != nil {
			d = o.wrapDriver(d)
		}
		return d
	})
	mediaOpts := o.media
	mediaOpts.DecodeBudget = cfg.DecodeBudgetPixels
	mediaOpts.Prefixes = graph.UploadPrefixes()
	mediaOpts.StripMetadata = cfg.StripImageMetadata
	if len(cfg.Renditions) > 0 {
		mediaOpts.Renditions = renditionOptions(cfg, client, log)
		mediaOpts.Renditions.Observe = m.ObserveRendition
	}
	store, err := media.OpenWith(ctx, cfg.StorageURL, mediaOpts)
	if err != nil {
		client.Close()
		return nil, fmt.Errorf("setting STORAGE_URL: %w", err)
	}
	if cfg.SignedURLTTL > 0 && store.Local() {
		client.Close()
		store.Close()
		return nil, errors.New("setting MEDIA_SIGNED_URLS: signed URLs need object storage (an s3:// STORAGE_URL), not a local directory")
	}
	var storage graph.Storage = store
	if o.wrapStorage != nil {
		storage = o.wrapStorage(store)
	}
	s := &Server{Client: client, Media: store, storage: storage, Metrics: m, cfg: cfg, log: log, db: db,
		linger: newLingering(cfg.LingeringTime, cfg.LingeringTimeout, m)}
	if n, err := store.RemoveTemporaries(); err != nil {
		log.Warn("media: removing temporaries", "err", err)
	} else if n > 0 {
		log.Info("media: removed temporaries of an earlier run", "count", n)
	}
	if len(cfg.APITokens) == 0 {
		log.Warn("mediagraph: API_TOKENS is empty: writes are open to anyone who can reach the server")
	}
	h, err := s.routes()
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Handler = h
	return s, nil
}

// Close closes the database and the storage.
func (s *Server) Close() error {
	// The storage first: it waits for the variants being made, which
	// record their placeholders in the database.
	mediaErr := s.Media.Close()
	return errors.Join(mediaErr, s.Client.Close())
}

func (s *Server) rules() graph.Rules {
	c := s.cfg
	return graph.Rules{
		ProductImage:  media.ImageRule("ProductImage.image", c.MaxImageBytes, c.MinImageWidth, c.MinImageHeight, c.MaxImagePixels),
		DocumentFile:  media.DocumentRule("Document.file", c.MaxDocumentBytes),
		DocumentImage: media.ImageRule("Document.image", c.MaxDocumentImageBytes, 0, 0, c.MaxImagePixels),
	}
}

func (s *Server) routes() (http.Handler, error) {
	c := s.cfg
	resolver := &graph.Resolver{Client: s.Client, Media: s.storage, Rules: s.rules(), MediaURL: c.MediaURL, SignedURLTTL: c.SignedURLTTL, MaxCommitDelay: c.SweepGrace / 2, Log: s.log, Metrics: s.Metrics,
		Presets: c.Renditions, WaitForVariants: !servesMedia(c)}
	gql, err := graph.NewHandler(graph.HandlerConfig{
		Resolver: resolver,
		Transport: gqlhttp.Config{
			Tokens:          c.APITokens,
			CSRFPrevention:  c.CSRFPrevention,
			MaxRequestBytes: c.MaxRequestBytes,
			MaxJSONBytes:    c.MaxJSONBytes,
			MaxFiles:        c.MaxFiles,
			MaxOperations:   c.MaxOperations,
			MaxFileBytes:    max(c.MaxImageBytes, c.MaxDocumentBytes, c.MaxDocumentImageBytes),
		},
		Limits:        graph.Limits{MaxComplexity: c.MaxQueryComplexity, MaxDepth: c.MaxQueryDepth, MaxAliases: c.MaxQueryAliases},
		Introspection: c.Introspection,
	})
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	mux.Handle("/query", cors(c.CORSAllowedOrigins, gql))
	playgrounds := web.Handler(web.Options{Endpoint: "/query", Introspection: c.Introspection, TokensRequired: len(c.APITokens) > 0, MediaOrigins: s.mediaOrigins()})
	for _, pattern := range []string{"GET /{$}", "GET /altair", "GET /altair/{$}", "GET /admin", "GET " + web.AdminPrefix, "GET " + web.AssetPrefix} {
		mux.Handle(pattern, playgrounds)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", s.ready)
	mux.Handle("GET /metrics", s.Metrics.Handler())
	if servesMedia(c) {
		mux.Handle(c.MediaURL, http.StripPrefix(strings.TrimSuffix(c.MediaURL, "/"), s.Media.Handler()))
	}
	return s.linger.Handler(bodyReadDeadline(c.BodyReadTimeout, logRequests(s.log, s.Metrics, c.MediaURL, mux))), nil
}

// mediaOrigins are the origins media URLs point at when this server does
// not serve them: the absolute MEDIA_URL's, or the bucket's that signed URLs
// name (a URL signed at start, which needs no request).
func (s *Server) mediaOrigins() []string {
	c := s.cfg
	origin := func(raw string) []string {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return nil
		}
		return []string{u.Scheme + "://" + u.Host}
	}
	switch {
	case c.SignedURLTTL > 0:
		signed, err := s.Media.SignedURL(context.Background(), "products/images/origin", c.SignedURLTTL)
		if err != nil {
			s.log.Warn("media: no signed URL to learn the bucket's origin from; the admin's CSP will block its images", "err", err)
			return nil
		}
		return origin(signed)
	case !strings.HasPrefix(c.MediaURL, "/"):
		return origin(c.MediaURL)
	}
	return nil
}

// servesMedia reports whether this server serves the media URL itself
// (not a CDN, nor signed bucket URLs).
func servesMedia(c *Config) bool {
	return strings.HasPrefix(c.MediaURL, "/") && c.SignedURLTTL == 0
}

// renditionOptions has the store make every image's variants, finding
// images and recording what was made in the database.
func renditionOptions(cfg *Config, client *ent.Client, log *slog.Logger) *media.RenditionOptions {
	return &media.RenditionOptions{
		Presets: cfg.Renditions,
		Workers: cfg.RenditionWorkers,
		Sources: func(ctx context.Context, bases []string) (map[string]media.Source, error) {
			return graph.Sources(ctx, client, bases)
		},
		OnMade: func(ctx context.Context, src media.Source, placeholder string) (bool, error) {
			named, err := graph.RecordRendered(ctx, client, src.Key, placeholder, false)
			if err != nil {
				log.Warn("media: recording a placeholder", "key", src.Key, "err", err)
			}
			return named, err
		},
		OnUnrenderable: func(ctx context.Context, src media.Source, err error) {
			log.Warn("media: an image passed its checks but cannot be rendered; its original stands in for its variants", "key", src.Key, "err", err)
			if _, err := graph.RecordRendered(ctx, client, src.Key, "", true); err != nil {
				log.Warn("media: recording an unrenderable image", "key", src.Key, "err", err)
			}
		},
	}
}

// ready answers 200 when the database and the storage answer.
func (s *Server) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if err := s.db.PingContext(ctx); err != nil {
		s.log.Warn("readyz: database", "err", err)
		http.Error(w, "database unavailable", http.StatusServiceUnavailable)
		return
	}
	if err := s.Media.Ping(ctx); err != nil {
		s.log.Warn("readyz: storage", "err", err)
		http.Error(w, "storage unavailable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ready")
}

// Sweep removes stored files that no row references and that are older
// than the grace period.
func (s *Server) Sweep(ctx context.Context) (int, error) {
	n, err := s.Media.Sweep(ctx, s.cfg.SweepGrace, s.referenced)
	if ctx.Err() == nil {
		s.Metrics.ObserveSweep(n, err)
	}
	return n, err
}

func (s *Server) SweepEvery(ctx context.Context, interval time.Duration) {
	for {
		n, err := s.Sweep(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			s.log.Warn("media: sweep failed", "err", err)
		case n > 0:
			s.log.Info("media: swept unreferenced files", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}

// referenced reports which of the keys a row still names.
func (s *Server) referenced(ctx context.Context, keys []string) (map[string]bool, error) {
	return graph.Referenced(ctx, s.Client, keys)
}

// RedactURL hides a password in a URL for logs and errors.
func RedactURL(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		if j := strings.Index(s[i+3:], "@"); j >= 0 {
			if k := strings.Index(s[i+3:i+3+j], ":"); k >= 0 {
				return s[:i+3+k] + ":xxxxx" + s[i+3+j:]
			}
		}
	}
	return s
}

// MigrateDatabase applies the pending migrations and returns (the
// `mediagraph migrate` command, for operators who migrate apart from
// starting replicas).
func MigrateDatabase(ctx context.Context, cfg *Config, log *slog.Logger) error {
	conn, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.db.Close()
	return conn.migrate(ctx, log)
}
