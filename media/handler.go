package media

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"mime"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
)

// Handler serves stored files at the request path (the caller strips the
// media URL prefix). GET and HEAD only. Only keys of the shape Put makes
// are looked up (see Options.Prefixes): any other path is 404 without a
// question to the storage. Range and conditional requests are
// http.ServeContent's; the content type comes from the server-chosen
// extension, never from sniffing. Temporaries, dotfiles, directories,
// traversal and symlinks out of the media root are 404. Every answer
// carries a Content-Security-Policy with sandbox, so that no stored file
// can run as a page of the server's origin.
func (s *Store) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

func (s *Store) serve(w http.ResponseWriter, r *http.Request) {
	// On every answer, errors and 304 included (http.ServeContent and
	// http.Error keep them). Canonical keys set directly, the constant
	// values shared (net/http never modifies a header value): this runs on
	// every media GET.
	h := w.Header()
	h["Content-Security-Policy"] = mediaCSP
	h["Cross-Origin-Resource-Policy"] = crossOrigin
	h["X-Content-Type-Options"] = nosniff
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h["Allow"] = allowGetHead
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	key := strings.TrimPrefix(r.URL.Path, "/")
	// The shape alone decides, before any lookup: it refuses traversal,
	// dotfiles and temporaries too (generatedKey implies a clean key).
	if s.generatedKey(key) {
		if !s.backend.serve(w, r, key) {
			http.NotFound(w, r)
		}
		return
	}
	base, ok := s.variantKey(key)
	if !ok || s.renditions == nil {
		http.NotFound(w, r)
		return
	}
	if s.backend.serve(w, r, key) {
		return
	}
	s.serveUnmade(w, r, key, base)
}

// serveUnmade answers the GET of a variant not yet made: if it is a
// variant in force of an image a row names, it is made (with the image's
// other variants, sharing the work with a background worker or other GETs
// busy with the same image) and served as soon as it is stored, while the
// others are still being made; where the image cannot be rendered, the
// answer redirects to the original. Anything else is 404: no size a
// request names is ever made.
func (s *Store) serveUnmade(w http.ResponseWriter, r *http.Request, key, base string) {
	sources, err := s.renditions.opts.Sources(r.Context(), []string{base})
	if err != nil {
		http.Error(w, "storage unavailable", http.StatusServiceUnavailable)
		return
	}
	src, ok := sources[base]
	if !ok || !slices.Contains(VariantKeys(src, s.renditions.opts.Presets), key) {
		if ok && src.VariantType == "" {
			redirectToOriginal(w, src.Key)
			return
		}
		http.NotFound(w, r)
		return
	}
	job := s.beginVariants(r.Context(), src)
	select {
	case <-job.stored[key]: // nil, never ready, if the job in progress was begun for another version of the row
	case <-job.done:
	case <-r.Context().Done():
		// The client went (or a timeout gave up on it); the job goes on
		// for the others. Not the empty 200 of a handler that writes
		// nothing.
		http.Error(w, "storage unavailable", http.StatusServiceUnavailable)
		return
	}
	if s.backend.serve(w, r, key) {
		return
	}
	// Never stored, or gone again (the image was deleted meanwhile and
	// the job removed its variants): the job's end says which.
	<-job.done
	switch err := job.err; {
	case errors.Is(err, ErrUnrenderable):
		redirectToOriginal(w, src.Key)
	case errors.Is(err, ErrNotFound):
		http.NotFound(w, r) // the image went meanwhile
	default:
		http.Error(w, "storage unavailable", http.StatusServiceUnavailable)
	}
}

// redirectToOriginal sends the client to the original in place of a
// variant that cannot be made: a relative redirect (the two share a
// directory, whatever the media URL's prefix), never cached, since the
// variant may be made after all by a later version.
func redirectToOriginal(w http.ResponseWriter, original string) {
	// Not http.Redirect: it would resolve the name against the path left
	// after the media prefix was stripped.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Location", path.Base(original))
	w.WriteHeader(http.StatusFound)
}

// setFileHeaders sets what every served file carries. Names are unique and
// never rewritten, so the ETag can come from the key and the file can be
// cached for a year.
func setFileHeaders(w http.ResponseWriter, key string, size int64) {
	h := w.Header()
	ext := strings.TrimPrefix(path.Ext(key), ".")
	contentType := ContentTypeForExt(ext)
	// As in serve: canonical keys, shared values.
	h["Content-Type"] = []string{contentType}
	h["Cache-Control"] = immutable
	sum := sha256.Sum256([]byte(key))
	etag := make([]byte, 0, 36)
	etag = append(etag, '"')
	etag = hex.AppendEncode(etag, sum[:8])
	etag = append(etag, '-')
	etag = strconv.AppendInt(etag, size, 16)
	etag = append(etag, '"')
	h["Etag"] = []string{string(etag)}
	if !isImageType(contentType) {
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(key)}))
	}
}

// Header values shared by every response (never modified: net/http only
// reads them, and an append by a wrapper copies, their capacity being
// their length).
var (
	nosniff      = []string{"nosniff"}
	immutable    = []string{"public, max-age=31536000, immutable"}
	allowGetHead = []string{"GET, HEAD"}
	// mediaCSP: a stored file opened as a page (an SVG, an HTML polyglot,
	// a PDF viewer's scripts) runs nothing, loads nothing and is a
	// sandboxed, unique origin; images and media it refers to on this
	// origin, and inline styles (browsers' own image and text viewers),
	// still render.
	mediaCSP = []string{"default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"}
	// crossOrigin: media is meant to be embedded by front ends on other
	// origins, as from a CDN, including pages that set
	// Cross-Origin-Embedder-Policy: require-corp, which needs this.
	crossOrigin = []string{"cross-origin"}
)
