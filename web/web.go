// Package web serves mediagraph's front ends from the binary: GraphiQL at /, Altair at /altair,
// the admin at /admin/ (a single-page app: every /admin/… path without a dot is its page, so a
// reload of a deep link works), and their assets under /assets/. Vite builds them from this directory's npm workspace into
// dist/ (committed; `npm ci && npm run build` reproduces it), which is embedded here, so a page
// never loads anything from another origin.
//
// Assets have content-hashed names and are served for a year as immutable (gzipped for clients
// that accept it, compressed once on first request); the pages are revalidated on every load
// (no-cache) and carry a strict Content-Security-Policy. The server's settings reach the pages in
// a <meta> tag (no inline script). Anything else is a 404.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed all:dist
var dist embed.FS

// AssetPrefix is the URL path under which the pages' scripts, styles, workers and fonts are served.
const AssetPrefix = "/assets/"

// configPlaceholder is the content of the pages' <meta name="mediagraph-playground"> as built;
// Handler puts the Options there as JSON.
const configPlaceholder = "__MEDIAGRAPH_PLAYGROUND__"

// PageCSP is the Content-Security-Policy of the pages: everything from this origin only, no
// inline or evaluated script. Styles allow 'unsafe-inline' because Monaco (GraphiQL's editor),
// Angular and CodeMirror (Altair) insert <style> elements and style attributes at run time;
// images allow data: because both apps' stylesheets carry small icons as data: URLs.
const PageCSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; worker-src 'self'; frame-src 'self'; object-src 'none'; " +
	"base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// sandboxCSP is the policy of HTML files among the assets (Altair's iframe sandbox for its
// scripts): framed by the pages only, and sandboxed, so it never runs with the origin's rights.
const sandboxCSP = "sandbox allow-scripts; default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'"

// Options are the server's settings that the pages follow.
type Options struct {
	// Endpoint is the GraphQL endpoint's path; empty means "/query".
	Endpoint string
	// Introspection is false when the server refuses introspection: the pages say that the
	// schema is hidden instead of trying to load it.
	Introspection bool
	// TokensRequired is true when writes need a bearer token (API_TOKENS): the pages ask for one,
	// keep it for the tab only and send it as Authorization: Bearer ….
	TokensRequired bool
	// MediaOrigins are the origins media is served from when it is not this server (an absolute
	// MEDIA_URL: a CDN; signed bucket URLs): the admin shows thumbnails from there, so the
	// pages' CSP allows images from them ("https://cdn.example.com").
	MediaOrigins []string
}

// pageConfig is what the pages read from their <meta> tag (web/src/lib/config.ts).
type pageConfig struct {
	Endpoint       string `json:"endpoint"`
	Introspection  bool   `json:"introspection"`
	TokensRequired bool   `json:"tokensRequired"`
}

type page struct {
	body []byte
	etag string
}

type asset struct {
	name        string // path in dist
	contentType string
	etag        string
	gzipped     *gzipped // nil: sent as it is (already compressed, or too small to gain)
}

// gzipped is an asset's gzip encoding, made on the first request that accepts it: the build is
// about 12 MB of scripts and styles (3.5 MB gzipped), and a server that nobody opens a playground
// on should not pay for compressing it at start.
type gzipped struct {
	once sync.Once
	body []byte
	etag string
	err  error
}

type handler struct {
	pages  map[string]page  // URL path → page
	assets map[string]asset // URL path → asset
	files  fs.FS
	csp    string // of the pages: PageCSP, with the media origins
}

// contentTypes are the types of the files Vite and altair-static produce, so that nothing
// depends on the machine's MIME tables or on sniffing.
var contentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".html":  "text/html; charset=utf-8",
	".ico":   "image/x-icon",
	".js":    "text/javascript; charset=utf-8",
	".json":  "application/json",
	".png":   "image/png",
	".svg":   "image/svg+xml",
	".ttf":   "font/ttf",
	".txt":   "text/plain; charset=utf-8",
	".woff":  "font/woff",
	".woff2": "font/woff2",
}

// compressible are the extensions worth gzipping (fonts in WOFF/WOFF2 and PNGs are compressed already).
var compressible = map[string]bool{".css": true, ".html": true, ".js": true, ".json": true, ".svg": true, ".ttf": true, ".txt": true, ".ico": true}

// minGzipSize is the smallest asset that is gzipped: below it the saving is lost in the headers.
const minGzipSize = 1024

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// AdminPrefix is the path of the admin; every path under it without a dot serves its page.
const AdminPrefix = "/admin/"

// Handler serves GET and HEAD of "/" (GraphiQL), "/altair" (Altair; "/altair/" redirects there),
// "/admin/" and the admin's client-side routes under it ("/admin" redirects there), and
// everything under AssetPrefix. Mount it on those paths. It panics if the embedded build
// lacks a page, which only a broken build can cause (the package's tests check it).
func Handler(opts Options) http.Handler {
	if opts.Endpoint == "" {
		opts.Endpoint = "/query"
	}
	files, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("web: " + err.Error())
	}
	cfg, err := json.Marshal(pageConfig{Endpoint: opts.Endpoint, Introspection: opts.Introspection, TokensRequired: opts.TokensRequired})
	if err != nil {
		panic("web: " + err.Error())
	}
	h := &handler{pages: map[string]page{}, assets: map[string]asset{}, files: files, csp: PageCSP}
	if len(opts.MediaOrigins) > 0 {
		origins := strings.Join(opts.MediaOrigins, " ")
		h.csp = strings.Replace(PageCSP, "img-src 'self' data:;", "img-src 'self' data: "+origins+"; media-src 'self' "+origins+";", 1)
	}
	for urlPath, name := range map[string]string{"/": "index.html", "/altair": "altair.html", AdminPrefix: "admin.html"} {
		b, err := fs.ReadFile(files, name)
		if err != nil || !bytes.Contains(b, []byte(configPlaceholder)) {
			panic("web: the embedded build has no usable " + name + ": run `npm run build` in web/")
		}
		b = bytes.ReplaceAll(b, []byte(configPlaceholder), []byte(html.EscapeString(string(cfg))))
		h.pages[urlPath] = page{body: b, etag: etagOf(b)}
	}
	err = fs.WalkDir(files, strings.Trim(AssetPrefix, "/"), func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, name)
		if err != nil {
			return err
		}
		ct, ok := contentTypes[path.Ext(name)]
		if !ok {
			ct = "application/octet-stream"
		}
		a := asset{name: name, contentType: ct, etag: etagOf(b)}
		if compressible[path.Ext(name)] && len(b) >= minGzipSize {
			a.gzipped = &gzipped{}
		}
		h.assets["/"+name] = a
		return nil
	})
	if err != nil {
		panic("web: " + err.Error())
	}
	return h
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == "/altair/":
		http.Redirect(w, r, "/altair", http.StatusMovedPermanently)
		return
	case p == strings.TrimSuffix(AdminPrefix, "/"):
		http.Redirect(w, r, AdminPrefix, http.StatusMovedPermanently)
		return
	case isAdminRoute(p):
		p = AdminPrefix
	}
	if pg, ok := h.pages[p]; ok {
		hdr := w.Header()
		hdr.Set("Content-Type", "text/html; charset=utf-8")
		hdr.Set("Cache-Control", "no-cache")
		hdr.Set("Content-Security-Policy", h.csp)
		hdr.Set("Referrer-Policy", "no-referrer")
		hdr.Set("ETag", pg.etag)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(pg.body))
		return
	}
	a, ok := h.assets[p]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", "public, max-age=31536000, immutable")
	if strings.HasSuffix(a.name, ".html") {
		hdr.Set("Content-Security-Policy", sandboxCSP)
	}
	if a.gzipped != nil {
		hdr.Add("Vary", "Accept-Encoding")
		if acceptsGzip(r) {
			if body, etag, err := h.gzip(a); err == nil {
				hdr.Set("Content-Encoding", "gzip")
				hdr.Set("ETag", etag)
				if r.Header.Get("Range") == "" {
					// ServeContent leaves the length of an encoded body out (chunked); a whole one is known.
					hdr.Set("Content-Length", strconv.Itoa(len(body)))
				}
				http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(body))
				return
			}
			// compressing failed (it cannot for bytes in memory): send it as it is
		}
	}
	f, err := h.files.Open(a.name)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer f.Close()
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hdr.Set("ETag", a.etag)
	http.ServeContent(w, r, "", time.Time{}, rs)
}

// isAdminRoute says whether p is one of the admin's client-side routes: under AdminPrefix, with
// no dot anywhere (a file name, "..") and no empty segment, so that a mistyped asset is a 404 and
// not a page.
func isAdminRoute(p string) bool {
	rest, ok := strings.CutPrefix(p, AdminPrefix)
	if !ok {
		return false
	}
	return !strings.Contains(rest, ".") && !strings.Contains("/"+rest, "//")
}

// gzip returns the asset's gzip encoding and its ETag, compressing it on first use.
func (h *handler) gzip(a asset) ([]byte, string, error) {
	g := a.gzipped
	g.once.Do(func() {
		raw, err := fs.ReadFile(h.files, a.name)
		if err != nil {
			g.err = err
			return
		}
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		if _, err := zw.Write(raw); err != nil {
			g.err = err
			return
		}
		if g.err = zw.Close(); g.err == nil {
			g.body, g.etag = buf.Bytes(), strings.TrimSuffix(a.etag, `"`)+`-gzip"`
		}
	})
	return g.body, g.etag, g.err
}

// acceptsGzip says whether the request's Accept-Encoding takes gzip (and does not refuse it with q=0).
func acceptsGzip(r *http.Request) bool {
	for _, field := range r.Header.Values("Accept-Encoding") {
		for _, part := range strings.Split(field, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
