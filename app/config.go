package app

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mediagraph/media"
)

// Config is every setting of the server. Each has a flag and an
// environment variable; flags win over the environment, which wins over
// the default.
type Config struct {
	Addr            string
	DatabaseURL     string
	Migrate         bool
	DBMaxOpenConns  int
	DBMaxIdleConns  int
	StorageURL      string
	MediaURL        string
	SignedURLTTL    time.Duration
	APITokens       []string
	MaxRequestBytes int64
	MaxFiles        int
	MaxJSONBytes    int64

	MaxImageBytes         int64
	MaxDocumentBytes      int64
	MaxDocumentImageBytes int64
	MinImageWidth         int
	MinImageHeight        int
	MaxImagePixels        int64
	DecodeBudgetPixels    int64
	Renditions            []media.Preset
	RenditionWorkers      int
	StripImageMetadata    bool

	MaxOperations      int
	MaxQueryComplexity int
	MaxQueryDepth      int
	MaxQueryAliases    int
	Introspection      bool
	CSRFPrevention     bool
	CORSAllowedOrigins []string
	SweepInterval      time.Duration
	SweepGrace         time.Duration
	ShutdownTimeout    time.Duration
	PprofAddr          string
	ReadHeaderTimeout  time.Duration
	BodyReadTimeout    time.Duration
	IdleTimeout        time.Duration
	LingeringTime      time.Duration
	LingeringTimeout   time.Duration
}

// setting is one configuration entry: its flag, its environment variable,
// its default and how it is applied.
type setting struct {
	flag, env, def, usage string
	apply                 func(string) error
}

func (c *Config) settings() []setting {
	return []setting{
		{"addr", "ADDR", ":8080", "listen address (PORT=n is used when ADDR is unset)", str(&c.Addr)},
		{"database-url", "DATABASE_URL", "sqlite:data/mediagraph.db", "database: sqlite:<file path> or postgres://user@host:5432/db?sslmode=disable", str(&c.DatabaseURL)},
		{"migrate", "MIGRATE", "true", "apply pending schema migrations at start; false: refuse to start on an outdated schema (apply them with `mediagraph migrate`)", boolean(&c.Migrate)},
		{"db-max-open-conns", "DB_MAX_OPEN_CONNS", "16", "most open database connections", positiveInt(&c.DBMaxOpenConns)},
		{"db-max-idle-conns", "DB_MAX_IDLE_CONNS", "16", "most idle database connections kept", nonNegativeInt(&c.DBMaxIdleConns)},
		{"storage-url", "STORAGE_URL", "data/media", "media storage: a directory, file:///abs/dir, or a gocloud bucket URL", str(&c.StorageURL)},
		{"media-url", "MEDIA_URL", "/media/", "URL prefix of stored files (ends with /); an absolute URL (a CDN) stops /media/ serving", mediaURL(&c.MediaURL)},
		{"media-signed-urls", "MEDIA_SIGNED_URLS", "", "with S3 storage: MediaFile.url is a presigned GET URL valid this long (e.g. 15m); empty: off", optionalDuration(&c.SignedURLTTL)},
		{"api-tokens", "API_TOKENS", "", "comma-separated bearer tokens required for writes; empty: writes are open", list(&c.APITokens)},
		{"max-request-bytes", "MAX_REQUEST_BYTES", "64MiB", "largest request body", size(&c.MaxRequestBytes)},
		{"max-files", "MAX_FILES", "10", "most files in one request", positiveInt(&c.MaxFiles)},
		{"max-json-bytes", "MAX_JSON_BYTES", "1MiB", "largest JSON body, operations or map field", size(&c.MaxJSONBytes)},
		{"max-image-bytes", "MAX_IMAGE_BYTES", "10MiB", "largest product image", size(&c.MaxImageBytes)},
		{"max-document-bytes", "MAX_DOCUMENT_BYTES", "20MiB", "largest document file", size(&c.MaxDocumentBytes)},
		{"max-document-image-bytes", "MAX_DOCUMENT_IMAGE_BYTES", "500KiB", "largest document image", size(&c.MaxDocumentImageBytes)},
		{"min-image-width", "MIN_IMAGE_WIDTH", "300", "narrowest product image, in pixels", nonNegativeInt(&c.MinImageWidth)},
		{"min-image-height", "MIN_IMAGE_HEIGHT", "300", "lowest product image, in pixels", nonNegativeInt(&c.MinImageHeight)},
		{"max-image-pixels", "MAX_IMAGE_PIXELS", "40000000", "most pixels of an image (width × height)", positiveInt64(&c.MaxImagePixels)},
		{"max-operations", "MAX_OPERATIONS", "10", "most operations in one batched multipart request", positiveInt(&c.MaxOperations)},
		{"max-query-complexity", "MAX_QUERY_COMPLEXITY", "5000", "highest complexity of one operation (a connection counts its children once per item of the page)", positiveInt(&c.MaxQueryComplexity)},
		{"max-query-depth", "MAX_QUERY_DEPTH", "12", "deepest nesting of one operation", positiveInt(&c.MaxQueryDepth)},
		{"max-query-aliases", "MAX_QUERY_ALIASES", "30", "most aliased fields in one operation", positiveInt(&c.MaxQueryAliases)},
		{"introspection", "INTROSPECTION", "true", "answer introspection queries (schema, playgrounds)", boolean(&c.Introspection)},
		{"renditions", "RENDITIONS", media.DefaultPresets, "the resized copies every image gets: name=WIDTHxHEIGHT:cover or name=WIDTH, comma-separated, or none", presets(&c.Renditions)},
		{"rendition-workers", "RENDITION_WORKERS", "1", "images whose renditions are made at once in the background (each decode also waits for its pixels in DECODE_BUDGET_PIXELS)", positiveInt(&c.RenditionWorkers)},
		{"image-metadata", "IMAGE_METADATA", "strip", "strip: originals lose GPS, maker notes, serials, XMP, IPTC, comments and EXIF previews (pixels untouched; ICC profile and orientation kept); keep: stored as uploaded", imageMetadata(&c.StripImageMetadata)},
		{"decode-budget-pixels", "DECODE_BUDGET_PIXELS", "48000000", "pixels that full image decodes may hold at once (bounds memory under concurrent uploads)", positiveInt64(&c.DecodeBudgetPixels)},
		{"csrf-prevention", "CSRF_PREVENTION", "true", "require a preflight header on multipart requests", boolean(&c.CSRFPrevention)},
		{"cors-allowed-origins", "CORS_ALLOWED_ORIGINS", "", "* or comma-separated origins allowed by CORS; empty: no CORS headers", list(&c.CORSAllowedOrigins)},
		{"sweep-interval", "SWEEP_INTERVAL", "10m", "how often unreferenced files are swept", duration(&c.SweepInterval)},
		{"sweep-grace", "SWEEP_GRACE", "1h", "unreferenced files younger than this are kept", duration(&c.SweepGrace)},
		{"read-header-timeout", "READ_HEADER_TIMEOUT", "10s", "how long a client may take to send a request's headers", duration(&c.ReadHeaderTimeout)},
		{"body-read-timeout", "BODY_READ_TIMEOUT", "30s", "how long a request body may stall (no byte received) before the request is dropped", duration(&c.BodyReadTimeout)},
		{"idle-timeout", "IDLE_TIMEOUT", "120s", "how long an idle keep-alive connection is kept", duration(&c.IdleTimeout)},
		{"lingering-time", "LINGERING_TIME", "30s", "after an answer sent before the request body was read whole (a refusal), the longest the server goes on reading and discarding the rest before closing, so that the client reads the answer instead of a connection reset", duration(&c.LingeringTime)},
		{"lingering-timeout", "LINGERING_TIMEOUT", "5s", "while lingering, the longest the client may send nothing before the connection is closed", duration(&c.LingeringTimeout)},
		{"pprof-addr", "PPROF_ADDR", "", "serve net/http/pprof on this address (e.g. 127.0.0.1:6060); empty: off", optionalString(&c.PprofAddr)},
		{"shutdown-timeout", "SHUTDOWN_TIMEOUT", "30s", "how long in-flight requests may finish at shutdown", duration(&c.ShutdownTimeout)},
	}
}

// LoadConfig reads the settings from defaults, then the environment, then
// the command-line flags. The error names the setting at fault in one line.
func LoadConfig(args []string, getenv func(string) string) (*Config, error) {
	c := &Config{}
	fs := flag.NewFlagSet("mediagraph", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, s := range c.settings() {
		v, from := s.def, "default"
		if e := getenv(s.env); e != "" {
			v, from = e, s.env
		} else if s.env == "ADDR" && getenv("PORT") != "" {
			v, from = ":"+getenv("PORT"), "PORT"
		}
		if err := s.apply(v); err != nil {
			return nil, fmt.Errorf("setting %s (%s=%q): %v", s.env, from, v, err)
		}
		fs.Func(s.flag, fmt.Sprintf("%s (env %s, default %q)", s.usage, s.env, s.def), func(v string) error {
			if err := s.apply(v); err != nil {
				return fmt.Errorf("setting %s: %v", s.env, err)
			}
			return nil
		})
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, err
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	if c.SignedURLTTL > 7*24*time.Hour {
		return fmt.Errorf("setting MEDIA_SIGNED_URLS: %s is longer than S3 allows (7 days)", c.SignedURLTTL)
	}
	if c.DecodeBudgetPixels < c.MaxImagePixels {
		return fmt.Errorf("setting DECODE_BUDGET_PIXELS: %d is below MAX_IMAGE_PIXELS (%d)", c.DecodeBudgetPixels, c.MaxImagePixels)
	}
	if c.LingeringTimeout > c.LingeringTime {
		return fmt.Errorf("setting LINGERING_TIMEOUT: %s is longer than LINGERING_TIME (%s)", c.LingeringTimeout, c.LingeringTime)
	}
	largest := max(c.MaxImageBytes, c.MaxDocumentBytes, c.MaxDocumentImageBytes)
	if largest > c.MaxRequestBytes {
		return fmt.Errorf("setting MAX_REQUEST_BYTES: %d is smaller than the largest file rule (%d)", c.MaxRequestBytes, largest)
	}
	return nil
}

// Usage prints the settings.
func Usage(w io.Writer) {
	c := &Config{}
	fmt.Fprintln(w, "usage: mediagraph [migrate|renditions] [flags]; every flag has an environment variable, flags win")
	fmt.Fprintln(w, "  migrate: apply pending database migrations and exit")
	fmt.Fprintln(w, "  renditions: make every missing variant of every image (after RENDITIONS changed), with a progress line, and exit")
	for _, s := range c.settings() {
		fmt.Fprintf(w, "  --%s (%s, default %q)\n\t%s\n", s.flag, s.env, s.def, s.usage)
	}
}

func str(p *string) func(string) error {
	return func(v string) error {
		if strings.TrimSpace(v) == "" {
			return errors.New("must not be empty")
		}
		*p = v
		return nil
	}
}

func mediaURL(p *string) func(string) error {
	return func(v string) error {
		if !strings.HasSuffix(v, "/") {
			return errors.New("must end with /")
		}
		u, err := url.Parse(v)
		if err != nil {
			return err
		}
		if u.IsAbs() && u.Host == "" || !u.IsAbs() && !strings.HasPrefix(v, "/") {
			return errors.New("must be a path starting with / or an absolute http(s) URL")
		}
		*p = v
		return nil
	}
}

func presets(p *[]media.Preset) func(string) error {
	return func(v string) error {
		ps, err := media.ParsePresets(v)
		if err != nil {
			return err
		}
		*p = ps
		return nil
	}
}

func imageMetadata(strip *bool) func(string) error {
	return func(v string) error {
		switch v {
		case "strip":
			*strip = true
		case "keep":
			*strip = false
		default:
			return errors.New("must be strip or keep")
		}
		return nil
	}
}

func list(p *[]string) func(string) error {
	return func(v string) error {
		*p = nil
		for item := range strings.SplitSeq(v, ",") {
			if item = strings.TrimSpace(item); item != "" {
				*p = append(*p, item)
			}
		}
		return nil
	}
}

func boolean(p *bool) func(string) error {
	return func(v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return errors.New("must be true or false")
		}
		*p = b
		return nil
	}
}

func duration(p *time.Duration) func(string) error {
	return func(v string) error {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return errors.New("must be a positive duration like 90s or 10m")
		}
		*p = d
		return nil
	}
}

func optionalString(p *string) func(string) error {
	return func(v string) error {
		*p = strings.TrimSpace(v)
		return nil
	}
}

func optionalDuration(p *time.Duration) func(string) error {
	return func(v string) error {
		if v == "" {
			*p = 0
			return nil
		}
		return duration(p)(v)
	}
}

func positiveInt(p *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return errors.New("must be a positive integer")
		}
		*p = n
		return nil
	}
}

func nonNegativeInt(p *int) func(string) error {
	return func(v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errors.New("must be a non-negative integer")
		}
		*p = n
		return nil
	}
}

func positiveInt64(p *int64) func(string) error {
	return func(v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return errors.New("must be a positive integer")
		}
		*p = n
		return nil
	}
}

// size parses a byte count ("1048576") or one with a unit ("64MiB",
// "500KiB", "1GB").
func size(p *int64) func(string) error {
	return func(v string) error {
		n, err := parseSize(v)
		if err != nil {
			return err
		}
		*p = n
		return nil
	}
}

var sizeUnits = []struct {
	suffix string
	factor int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"B", 1},
}

func parseSize(v string) (int64, error) {
	s := strings.TrimSpace(v)
	factor := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(strings.ToLower(s), strings.ToLower(u.suffix)) {
			s, factor = strings.TrimSpace(s[:len(s)-len(u.suffix)]), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/factor {
		return 0, errors.New("must be a positive size like 1048576, 500KiB or 64MiB")
	}
	return n * factor, nil
}
