package app

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRequestLogLevels: every request is logged at info level but media
// files served (2xx, 3xx), which are logged at debug level only; media
// refusals stay at info.
func TestRequestLogLevels(t *testing.T) {
	statuses := map[string]int{
		"/media/products/images/a.png": http.StatusOK,
		"/media/documents/b.pdf":       http.StatusNotModified,
		"/media/missing.png":           http.StatusNotFound,
		"/query":                       http.StatusOK,
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(statuses[r.URL.Path]) })
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf bytes.Buffer
		log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))
		h := logRequests(log, nil, "/media/", next)
		for p := range statuses {
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
		}
		out := buf.String()
		for p, status := range statuses {
			line := ""
			for _, l := range strings.Split(out, "\n") {
				if strings.Contains(l, "path="+p+" ") {
					line = l
				}
			}
			debugOnly := strings.HasPrefix(p, "/media/") && status < 400
			switch {
			case debugOnly && level == slog.LevelInfo && line != "":
				t.Errorf("%s (%d) logged at info: %s", p, status, line)
			case debugOnly && level == slog.LevelDebug && !strings.Contains(line, "level=DEBUG"):
				t.Errorf("%s (%d) not logged at debug: %q", p, status, line)
			case !debugOnly && !strings.Contains(line, "level=INFO"):
				t.Errorf("%s (%d) not logged at info (level %v): %q", p, status, level, line)
			}
		}
	}
}
