package app

import (
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"mediagraph/metrics"
)

// logRequests logs one line per request (method, path, status, bytes and
// duration) and records it in the metrics. Media files served (2xx and
// 3xx) are logged at debug level only: a page of images makes dozens of
// them, and they are counted in the metrics all the same.
func logRequests(log *slog.Logger, m *metrics.Metrics, mediaURL string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recordingWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		elapsed := time.Since(start)
		handler := handlerLabel(r.URL.Path, mediaURL)
		m.ObserveHTTP(handler, r.Method, rec.status, elapsed)
		level := slog.LevelInfo
		if handler == "media" && rec.status < http.StatusBadRequest {
			level = slog.LevelDebug
		}
		if !log.Enabled(r.Context(), level) {
			return
		}
		log.LogAttrs(r.Context(), level, "http",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.String("duration", elapsed.Round(time.Microsecond).String()),
		)
	})
}

// handlerLabel names the handler of a path for metrics (a fixed set, so
// that paths cannot grow the label space).
func handlerLabel(p, mediaURL string) string {
	switch {
	case p == "/query":
		return "query"
	case strings.HasPrefix(mediaURL, "/") && strings.HasPrefix(p, mediaURL):
		return "media"
	case p == "/" || p == "/altair" || p == "/altair/" || strings.HasPrefix(p, "/assets/"): // web.AssetPrefix
		return "playground"
	case p == "/healthz" || p == "/readyz":
		return "health"
	case p == "/metrics":
		return "metrics"
	}
	return "other"
}

type recordingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (w *recordingWriter) WriteHeader(status int) {
	if !w.wrote {
		w.status, w.wrote = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recordingWriter) Write(p []byte) (int, error) {
	w.wrote = true
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// ReadFrom keeps the server's sendfile path for http.ServeContent of local
// files: without it every byte of a served file is read into user space
// and written back.
func (w *recordingWriter) ReadFrom(r io.Reader) (int64, error) {
	w.wrote = true
	n, err := io.Copy(w.ResponseWriter, r) // *http.response's ReadFrom: sendfile
	w.bytes += n
	return n, err
}

var _ io.ReaderFrom = (*recordingWriter)(nil)

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *recordingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// bodyReadDeadline drops a request whose body stalls: before each read of
// the body the connection's read deadline moves to now + timeout, so a slow
// but steady upload of any size goes through while a stalled one frees its
// connection and goroutine (http.Server's ReadTimeout would cap the whole
// body instead).
func bodyReadDeadline(timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: http.NewResponseController(w), timeout: timeout}
		}
		next.ServeHTTP(w, r)
	})
}

type deadlineBody struct {
	io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	return b.ReadCloser.Read(p)
}

// corsAllowedHeaders are the request headers a cross-origin client may send.
var corsAllowedHeaders = "Authorization, Content-Type, Apollo-Require-Preflight, X-Apollo-Operation-Name, GraphQL-Require-Preflight"

// cors answers CORS preflights and marks responses for the allowed origins.
// With no origins configured it adds nothing.
func cors(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		return next
	}
	any := slices.Contains(origins, "*")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := origin != "" && (any || slices.Contains(origins, strings.TrimSuffix(origin, "/")))
		h := w.Header()
		h.Add("Vary", "Origin")
		if allowed {
			if any {
				h.Set("Access-Control-Allow-Origin", "*")
			} else {
				h.Set("Access-Control-Allow-Origin", origin)
			}
		}
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			if allowed {
				h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				h.Set("Access-Control-Allow-Headers", corsAllowedHeaders)
				h.Set("Access-Control-Max-Age", "600")
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
