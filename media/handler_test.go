package media_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mediagraph/media"
)

// TestHandlerLocal: what a client sees of stored files on local disk.
func TestHandlerLocal(t *testing.T) {
	s, dir := localStore(t)
	img := pngOf(t, 300, 300)
	pngFile := put(t, s, "products/images/", img, "photo.png")
	pdfFile := put(t, s, "documents/", minimalPDF, "report.pdf")
	docx := docxOf(t)
	docxFile := put(t, s, "documents/", docx, "letter.docx")
	txtFile := put(t, s, "documents/", []byte("plain words\n"), "notes.txt")

	// Things that are in the root but must never be served, and a file
	// outside it reachable through a symlink. The links and the hand-named
	// file have generated names where the shape alone would refuse them:
	// os.Root must refuse them too.
	outsideDir := t.TempDir()
	outsideName := media.GeneratedNameForTest() + ".txt"
	outside := filepath.Join(outsideDir, outsideName)
	os.WriteFile(outside, []byte("SECRET"), 0o644)
	linkKey := "products/images/" + media.GeneratedNameForTest() + ".png"
	aliasKey := "documents/" + media.GeneratedNameForTest() + ".pdf"
	handNamed := "a/" + media.GeneratedNameForTest() + ".txt"
	os.Symlink(outside, filepath.Join(dir, linkKey))
	os.Symlink(outside, filepath.Join(dir, "products", "images", "link.png"))
	os.Symlink(outsideDir, filepath.Join(dir, "escape"))
	os.Symlink(filepath.Join(dir, pdfFile.Key), filepath.Join(dir, aliasKey))
	os.WriteFile(filepath.Join(dir, ".tmp", "upload.part"), []byte("PARTIAL"), 0o644)
	os.MkdirAll(filepath.Join(dir, "a"), 0o755)
	os.WriteFile(filepath.Join(dir, "a", ".attrs"), []byte("{}"), 0o644)
	os.WriteFile(filepath.Join(dir, "a", "page.html"), []byte("<script>alert(1)</script>"), 0o644)
	os.WriteFile(filepath.Join(dir, handNamed), []byte("put here by hand"), 0o644)

	modTime := time.Now().Add(-time.Hour).Truncate(time.Second)
	os.Chtimes(filepath.Join(dir, pngFile.Key), modTime, modTime)

	type header = map[string]string
	tests := []struct {
		name    string
		method  string
		target  string // request URI, sent raw
		header  header
		status  int
		body    []byte // checked when non-nil
		headers header // each must equal; "" means absent
	}{
		{"png", "GET", "/" + pngFile.Key, nil, 200, img, header{
			"Content-Type": "image/png", "X-Content-Type-Options": "nosniff", "Content-Disposition": "",
			"Cache-Control": "public, max-age=31536000, immutable", "Last-Modified": modTime.UTC().Format(http.TimeFormat),
			"Content-Length": strconv.Itoa(len(img)), "Accept-Ranges": "bytes",
		}},
		{"key without a leading slash", "GET", pngFile.Key, nil, 200, img, nil},
		{"head", "HEAD", "/" + pngFile.Key, nil, 200, []byte{}, header{"Content-Type": "image/png", "Content-Length": strconv.Itoa(len(img))}},
		{"range", "GET", "/" + pngFile.Key, header{"Range": "bytes=10-109"}, 206, img[10:110], header{"Content-Range": "bytes 10-109/" + strconv.Itoa(len(img)), "Content-Type": "image/png"}},
		{"suffix range", "GET", "/" + pngFile.Key, header{"Range": "bytes=-16"}, 206, img[len(img)-16:], nil},
		{"unsatisfiable range", "GET", "/" + pngFile.Key, header{"Range": "bytes=999999-"}, 416, nil, nil},
		{"if-modified-since", "GET", "/" + pngFile.Key, header{"If-Modified-Since": time.Now().UTC().Format(http.TimeFormat)}, 304, []byte{}, nil},
		{"pdf", "GET", "/" + pdfFile.Key, nil, 200, minimalPDF, header{
			"Content-Type": "application/pdf", "Content-Disposition": "attachment; filename=" + filepath.Base(pdfFile.Key),
		}},
		{"docx", "GET", "/" + docxFile.Key, nil, 200, docx, header{"Content-Type": typeDOCX, "Content-Disposition": "attachment; filename=" + filepath.Base(docxFile.Key)}},
		{"txt", "GET", "/" + txtFile.Key, nil, 200, []byte("plain words\n"), header{"Content-Type": typeText, "Content-Disposition": "attachment; filename=" + filepath.Base(txtFile.Key)}},
		{"a file the server did not name is not served", "GET", "/a/page.html", nil, 404, nil, header{"Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff", "Content-Disposition": ""}},
		{"a file of a generated name under any valid prefix is served (no Options.Prefixes)", "GET", "/" + handNamed, nil, 200, []byte("put here by hand"), header{"Content-Type": typeText}},
		{"a generated name without a prefix", "GET", "/" + filepath.Base(pngFile.Key), nil, 404, nil, nil},
		{"post", "POST", "/" + pngFile.Key, nil, 405, nil, header{"Allow": "GET, HEAD"}},
		{"put", "PUT", "/" + pngFile.Key, nil, 405, nil, nil},
		{"unknown key", "GET", "/products/images/nothere.png", nil, 404, nil, nil},
		{"directory", "GET", "/products/images", nil, 404, nil, nil},
		{"directory with slash", "GET", "/products/images/", nil, 404, nil, nil},
		{"root", "GET", "/", nil, 404, nil, nil},
		{"dot-dot", "GET", "/../secret.txt", nil, 404, nil, nil},
		{"encoded dot-dot", "GET", "/%2e%2e/secret.txt", nil, 404, nil, nil},
		{"dot-dot inside", "GET", "/products/../" + pdfFile.Key, nil, 404, nil, nil},
		{"encoded slash dot-dot", "GET", "/products%2f..%2f" + pdfFile.Key, nil, 404, nil, nil},
		{"backslash", "GET", "/documents%5c" + filepath.Base(pdfFile.Key), nil, 404, nil, nil},
		{"NUL", "GET", "/" + pdfFile.Key + "%00", nil, 404, nil, nil},
		{"temporary", "GET", "/.tmp/upload.part", nil, 404, nil, nil},
		{"sidecar", "GET", "/a/.attrs", nil, 404, nil, nil},
		{"symlink to a file outside the root", "GET", "/" + linkKey, nil, 404, nil, nil},
		{"symlink to a file outside the root, foreign name", "GET", "/products/images/link.png", nil, 404, nil, nil},
		{"symlinked directory outside the root", "GET", "/escape/" + outsideName, nil, 404, nil, nil},
		{"symlink to a stored file (stored files are never links)", "GET", "/" + aliasKey, nil, 404, nil, nil},
	}
	h := s.Handler()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, "/", nil)
			req.RequestURI = tc.target
			u, err := url.Parse(tc.target) // as the server parses it: dot segments kept
			if err != nil {
				t.Fatal(err)
			}
			req.URL = u
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			resp := rec.Result()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%q)", resp.StatusCode, tc.status, body)
			}
			if tc.body != nil && !bytes.Equal(body, tc.body) {
				t.Errorf("body of %d bytes, want %d", len(body), len(tc.body))
			}
			for k, v := range tc.headers {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			checkPageHeaders(t, tc.name, resp.Header)
			if bytes.Contains(body, []byte("SECRET")) || bytes.Contains(body, []byte("PARTIAL")) || bytes.Contains(body, []byte(dir)) {
				t.Errorf("leaked %q", body)
			}
		})
	}

	// ETag: strong, stable, and answered with 304.
	etag := getRecorded(h, "/"+pngFile.Key, nil).Header().Get("ETag")
	if etag == "" || strings.HasPrefix(etag, "W/") || etag != getRecorded(h, "/"+pngFile.Key, nil).Header().Get("ETag") {
		t.Fatalf("ETag %q", etag)
	}
	if other := getRecorded(h, "/"+pdfFile.Key, nil).Header().Get("ETag"); other == etag {
		t.Fatal("two files share an ETag")
	}
	if rec := getRecorded(h, "/"+pngFile.Key, map[string]string{"If-None-Match": etag}); rec.Code != 304 || rec.Body.Len() != 0 {
		t.Fatalf("If-None-Match: %d", rec.Code)
	} else {
		checkPageHeaders(t, "304", rec.Header())
	}
	if rec := getRecorded(h, "/"+pngFile.Key, map[string]string{"If-None-Match": `"other"`}); rec.Code != 200 {
		t.Fatalf("If-None-Match with another ETag: %d", rec.Code)
	}

	// Behind http.StripPrefix, as the server mounts it.
	mounted := http.StripPrefix("/media/", h)
	if rec := getRecorded(mounted, "/media/"+pngFile.Key, nil); rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), img) {
		t.Fatalf("behind StripPrefix: %d", rec.Code)
	}
}

func getRecorded(h http.Handler, target string, header map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestHandlerBucket: the same answers from a bucket (streamed through
// range readers).
func TestHandlerBucket(t *testing.T) {
	for name, newStore := range backends(t) {
		if name == "disk" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			h := s.Handler()
			img := pngOf(t, 300, 300)
			pngFile := put(t, s, "products/images/", img, "photo.png")
			pdfFile := put(t, s, "documents/", minimalPDF, "report.pdf")
			rec := getRecorded(h, "/"+pngFile.Key, nil)
			if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), img) || rec.Header().Get("Content-Type") != "image/png" ||
				rec.Header().Get("Content-Disposition") != "" || rec.Header().Get("X-Content-Type-Options") != "nosniff" ||
				rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" || rec.Header().Get("Last-Modified") == "" {
				t.Fatalf("GET png: %d %v", rec.Code, rec.Header())
			}
			checkPageHeaders(t, "GET png", rec.Header())
			etag := rec.Header().Get("ETag")
			if etag == "" || etag != getRecorded(h, "/"+pngFile.Key, nil).Header().Get("ETag") {
				t.Fatalf("ETag %q", etag)
			}
			if rec := getRecorded(h, "/"+pngFile.Key, map[string]string{"If-None-Match": etag}); rec.Code != 304 {
				t.Fatalf("If-None-Match: %d", rec.Code)
			} else {
				checkPageHeaders(t, "304", rec.Header())
			}
			rec = getRecorded(h, "/"+pngFile.Key, map[string]string{"Range": "bytes=1000-1999"})
			if rec.Code != 206 || !bytes.Equal(rec.Body.Bytes(), img[1000:2000]) {
				t.Fatalf("Range: %d, %d bytes", rec.Code, rec.Body.Len())
			}
			rec = getRecorded(h, "/"+pdfFile.Key, nil)
			if rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), minimalPDF) || rec.Header().Get("Content-Type") != "application/pdf" ||
				!strings.HasPrefix(rec.Header().Get("Content-Disposition"), "attachment") {
				t.Fatalf("GET pdf: %d %v", rec.Code, rec.Header())
			}
			req := httptest.NewRequest(http.MethodHead, "/"+pngFile.Key, nil)
			head := httptest.NewRecorder()
			h.ServeHTTP(head, req)
			if head.Code != 200 || head.Body.Len() != 0 || head.Header().Get("Content-Length") != strconv.Itoa(len(img)) {
				t.Fatalf("HEAD: %d, %d bytes, %v", head.Code, head.Body.Len(), head.Header())
			}
			req = httptest.NewRequest(http.MethodDelete, "/"+pngFile.Key, nil)
			del := httptest.NewRecorder()
			h.ServeHTTP(del, req)
			if del.Code != 405 || del.Header().Get("Allow") != "GET, HEAD" {
				t.Fatalf("DELETE: %d", del.Code)
			}
			for _, p := range []string{"/products/images/missing.png", "/products/images", "/products/images/", "/../" + pngFile.Key, "/.tmp/x", "/a/.attrs"} {
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.URL.Path = p
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != 404 {
					t.Errorf("GET %q: %d", p, rec.Code)
				}
				checkPageHeaders(t, "GET "+p, rec.Header())
			}
		})
	}
}
