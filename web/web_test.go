package web

import (
	"bytes"
	"compress/gzip"
	"html"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func serve(t *testing.T, h http.Handler, method, target string, header map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

var (
	assetRef   = regexp.MustCompile(`(?:src|href)="(/assets/[^"]+)"`)
	baseRef    = regexp.MustCompile(`<base href="(/assets/[^"]+/)">`)
	relAltair  = regexp.MustCompile(`(?:src|href)="([a-zA-Z][^":]*\.(?:js|css))"`)
	inlineCode = regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`)
	configMeta = regexp.MustCompile(`<meta name="mediagraph-playground" content="([^"]*)"`)
)

func TestPages(t *testing.T) {
	h := Handler(Options{Endpoint: "/query", Introspection: false, TokensRequired: true})
	for _, p := range []string{"/", "/altair", "/admin/", "/admin/products/4294967297"} {
		t.Run(p, func(t *testing.T) {
			w := serve(t, h, http.MethodGet, p, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("GET %s: %d", p, w.Code)
			}
			for k, want := range map[string]string{
				"Content-Type":            "text/html; charset=utf-8",
				"Cache-Control":           "no-cache",
				"X-Content-Type-Options":  "nosniff",
				"Content-Security-Policy": PageCSP,
			} {
				if got := w.Header().Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			body := w.Body.String()
			m := configMeta.FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no config <meta> in %s", p)
			}
			if got, want := html.UnescapeString(m[1]), `{"endpoint":"/query","introspection":false,"tokensRequired":true}`; got != want {
				t.Errorf("config = %s, want %s", got, want)
			}
			if inlineCode.MatchString(body) {
				t.Errorf("%s has an inline script", p)
			}
			if strings.Contains(body, "http://") || strings.Contains(body, "https://") || strings.Contains(body, "//cdn") {
				t.Errorf("%s names another origin:\n%s", p, body)
			}
			// Every asset the page names is served, as immutable.
			refs := assetRef.FindAllStringSubmatch(body, -1)
			if base := baseRef.FindStringSubmatch(body); base != nil {
				for _, r := range relAltair.FindAllStringSubmatch(body, -1) {
					refs = append(refs, []string{"", base[1] + r[1]})
				}
			}
			if len(refs) < 2 {
				t.Fatalf("%s names %d assets", p, len(refs))
			}
			for _, r := range refs {
				if strings.HasSuffix(r[1], "/") {
					continue // the <base> of Altair's files
				}
				a := serve(t, h, http.MethodGet, r[1], nil)
				if a.Code != http.StatusOK {
					t.Errorf("GET %s (named by %s): %d", r[1], p, a.Code)
					continue
				}
				if got := a.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
					t.Errorf("GET %s: Cache-Control %q", r[1], got)
				}
			}
			// Conditional requests: the page's ETag gives a 304.
			if nm := serve(t, h, http.MethodGet, p, map[string]string{"If-None-Match": w.Header().Get("ETag")}); nm.Code != http.StatusNotModified {
				t.Errorf("If-None-Match: %d, want 304", nm.Code)
			}
		})
	}
}

func TestAssets(t *testing.T) {
	h := Handler(Options{Introspection: true})
	files, _ := fs.Sub(dist, "dist")
	var js, css, font, sandbox string
	fs.WalkDir(files, "assets", func(name string, d fs.DirEntry, err error) error {
		switch {
		case err != nil || d.IsDir():
		case js == "" && strings.HasSuffix(name, ".js"):
			js = "/" + name
		case css == "" && strings.HasSuffix(name, ".css"):
			css = "/" + name
		case font == "" && strings.HasSuffix(name, ".woff2"):
			font = "/" + name
		case strings.HasSuffix(name, "iframe-sandbox/index.html"):
			sandbox = "/" + name
		}
		return err
	})
	for _, c := range []struct{ path, contentType string }{
		{js, "text/javascript; charset=utf-8"},
		{css, "text/css; charset=utf-8"},
		{font, "font/woff2"},
		{sandbox, "text/html; charset=utf-8"},
	} {
		if c.path == "" {
			t.Fatalf("no asset of type %s in the build", c.contentType)
		}
		w := serve(t, h, http.MethodGet, c.path, nil)
		if w.Code != http.StatusOK || w.Header().Get("Content-Type") != c.contentType || w.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s: %d %q %q", c.path, w.Code, w.Header().Get("Content-Type"), w.Header().Get("X-Content-Type-Options"))
		}
		if etag := w.Header().Get("ETag"); etag == "" {
			t.Errorf("GET %s: no ETag", c.path)
		} else if nm := serve(t, h, http.MethodGet, c.path, map[string]string{"If-None-Match": etag}); nm.Code != http.StatusNotModified {
			t.Errorf("GET %s with If-None-Match: %d", c.path, nm.Code)
		}
	}
	if got := serve(t, h, http.MethodGet, sandbox, nil).Header().Get("Content-Security-Policy"); !strings.HasPrefix(got, "sandbox ") {
		t.Errorf("the iframe sandbox's CSP is %q", got)
	}
	r := serve(t, h, http.MethodGet, js, map[string]string{"Range": "bytes=0-9"})
	if r.Code != http.StatusPartialContent || r.Body.Len() != 10 {
		t.Errorf("Range: %d, %d bytes", r.Code, r.Body.Len())
	}
	if head := serve(t, h, http.MethodHead, js, nil); head.Code != http.StatusOK || head.Body.Len() != 0 {
		t.Errorf("HEAD: %d, %d bytes", head.Code, head.Body.Len())
	}
}

func TestNotFound(t *testing.T) {
	h := Handler(Options{})
	for _, p := range []string{
		"/assets/", "/assets", "/assets/nope.js", "/assets/../index.html", "/assets/%2e%2e/index.html",
		"/index.html", "/altair.html", "/assets/altair-x/", "/altair/x", "/favicon.ico", "/assets/./x.js",
	} {
		if w := serve(t, h, http.MethodGet, p, nil); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, w.Code)
		}
	}
	// A directory of the build is never listed.
	files, _ := fs.Sub(dist, "dist")
	entries, _ := fs.ReadDir(files, "assets")
	for _, e := range entries {
		if e.IsDir() {
			if w := serve(t, h, http.MethodGet, "/assets/"+e.Name()+"/", nil); w.Code != http.StatusNotFound {
				t.Errorf("GET /assets/%s/: %d, want 404", e.Name(), w.Code)
			}
		}
	}
	if w := serve(t, h, http.MethodPost, "/", nil); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", w.Code)
	}
	if w := serve(t, h, http.MethodGet, "/altair/", nil); w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/altair" {
		t.Errorf("GET /altair/: %d → %q", w.Code, w.Header().Get("Location"))
	}
	if w := serve(t, h, http.MethodGet, "/admin", nil); w.Code != http.StatusMovedPermanently || w.Header().Get("Location") != "/admin/" {
		t.Errorf("GET /admin: %d → %q", w.Code, w.Header().Get("Location"))
	}
}

// The admin is a single-page app: /admin/ and every route under it without a dot answer the same
// page (a reload of a deep link works); a path with a dot (a file that is not there) is a 404.
func TestAdminRoutes(t *testing.T) {
	h := Handler(Options{TokensRequired: true})
	root := serve(t, h, http.MethodGet, "/admin/", nil)
	if root.Code != http.StatusOK || !strings.Contains(root.Body.String(), "<title>mediagraph · admin</title>") {
		t.Fatalf("GET /admin/: %d\n%s", root.Code, root.Body.String())
	}
	for _, p := range []string{"/admin/products", "/admin/products/new", "/admin/products/4294967297", "/admin/documents/", "/admin/anything/at/all"} {
		w := serve(t, h, http.MethodGet, p, nil)
		if w.Code != http.StatusOK || w.Body.String() != root.Body.String() {
			t.Errorf("GET %s: %d, not the admin page", p, w.Code)
			continue
		}
		for k, want := range map[string]string{"Cache-Control": "no-cache", "Content-Security-Policy": PageCSP, "Content-Type": "text/html; charset=utf-8"} {
			if got := w.Header().Get(k); got != want {
				t.Errorf("GET %s: %s = %q, want %q", p, k, got, want)
			}
		}
		if head := serve(t, h, http.MethodHead, p, nil); head.Code != http.StatusOK || head.Body.Len() != 0 {
			t.Errorf("HEAD %s: %d, %d bytes", p, head.Code, head.Body.Len())
		}
	}
	for _, p := range []string{"/admin/favicon.ico", "/admin/products/1.json", "/admin/../index.html", "/admin/a/..", "/admin//x", "/admin/assets/admin.js"} {
		if w := serve(t, h, http.MethodGet, p, nil); w.Code != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, w.Code)
		}
	}
	// The admin's script is a module from /assets/.
	scripts := regexp.MustCompile(`<script type="module"[^>]* src="(/assets/admin-[\w-]+\.js)"`).FindStringSubmatch(root.Body.String())
	if scripts == nil {
		t.Fatalf("the admin page names no admin script:\n%s", root.Body.String())
	}
	if w := serve(t, h, http.MethodGet, scripts[1], nil); w.Code != http.StatusOK || w.Header().Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("GET %s: %d %q", scripts[1], w.Code, w.Header().Get("Content-Type"))
	}
}

func TestGzip(t *testing.T) {
	h := Handler(Options{})
	files, _ := fs.Sub(dist, "dist")
	var js string
	fs.WalkDir(files, "assets", func(name string, d fs.DirEntry, err error) error {
		if err == nil && js == "" && strings.HasSuffix(name, ".js") {
			if b, _ := fs.ReadFile(files, name); len(b) > 10<<10 {
				js = "/" + name
			}
		}
		return err
	})
	plain := serve(t, h, http.MethodGet, js, nil)
	if plain.Header().Get("Content-Encoding") != "" || plain.Header().Get("Vary") != "Accept-Encoding" {
		t.Errorf("without Accept-Encoding: Content-Encoding %q, Vary %q", plain.Header().Get("Content-Encoding"), plain.Header().Get("Vary"))
	}
	for _, ae := range []string{"gzip", "gzip, deflate, br, zstd", "br;q=1.0, gzip;q=0.8"} {
		w := serve(t, h, http.MethodGet, js, map[string]string{"Accept-Encoding": ae})
		if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "gzip" || w.Header().Get("Vary") != "Accept-Encoding" {
			t.Fatalf("Accept-Encoding %q: %d, Content-Encoding %q, Vary %q", ae, w.Code, w.Header().Get("Content-Encoding"), w.Header().Get("Vary"))
		}
		if w.Header().Get("ETag") == plain.Header().Get("ETag") {
			t.Errorf("the gzip encoding has the identity's ETag %s", w.Header().Get("ETag"))
		}
		if w.Header().Get("Content-Length") != strconv.Itoa(w.Body.Len()) {
			t.Errorf("gzip: Content-Length %q, body %d bytes", w.Header().Get("Content-Length"), w.Body.Len())
		}
		if w.Body.Len() >= plain.Body.Len() {
			t.Errorf("gzip: %d bytes, identity %d", w.Body.Len(), plain.Body.Len())
		}
		zr, err := gzip.NewReader(w.Body)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || !bytes.Equal(got, plain.Body.Bytes()) {
			t.Errorf("gunzipped body differs from the identity (err %v)", err)
		}
		if nm := serve(t, h, http.MethodGet, js, map[string]string{"Accept-Encoding": ae, "If-None-Match": w.Header().Get("ETag")}); nm.Code != http.StatusNotModified {
			t.Errorf("If-None-Match on the gzip ETag: %d", nm.Code)
		}
	}
	if w := serve(t, h, http.MethodGet, js, map[string]string{"Accept-Encoding": "gzip;q=0, br"}); w.Header().Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 got Content-Encoding %q", w.Header().Get("Content-Encoding"))
	}
	for _, p := range []string{"/", "/altair"} {
		if w := serve(t, h, http.MethodGet, p, map[string]string{"Accept-Encoding": "gzip"}); w.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s is small and sent as it is, got Content-Encoding %q", p, w.Header().Get("Content-Encoding"))
		}
	}
}

// The build leaves no source maps and no reference to one (they would name the sources and, in
// a browser's devtools, be fetched).
func TestNoSourceMaps(t *testing.T) {
	files, _ := fs.Sub(dist, "dist")
	fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(name, ".map") {
			t.Errorf("source map in the build: %s", name)
		}
		if strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".css") {
			b, _ := fs.ReadFile(files, name)
			if regexp.MustCompile(`(?m)^//[#@] sourceMappingURL=|/\*[#@] sourceMappingURL=`).Match(b) {
				t.Errorf("%s references a source map", name)
			}
		}
		return nil
	})
}

// TestMediaOriginsInCSP: with media served from elsewhere (a CDN), the
// pages may show images from there, and from nowhere else.
func TestMediaOriginsInCSP(t *testing.T) {
	h := Handler(Options{MediaOrigins: []string{"https://cdn.example.com"}})
	for _, p := range []string{"/", "/admin/", "/admin/products/1"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, p, nil))
		csp := rec.Header().Get("Content-Security-Policy")
		if !strings.Contains(csp, "img-src 'self' data: https://cdn.example.com;") || !strings.Contains(csp, "script-src 'self';") || strings.Count(csp, "cdn.example.com") != 2 {
			t.Errorf("GET %s: CSP %q", p, csp)
		}
	}
}
