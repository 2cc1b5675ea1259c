package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// storeImage uploads one image to a new product and returns its MediaFile.
func storeImage(t *testing.T, s *testServer, body []byte) map[string]any {
	t.Helper()
	id := createProduct(t, s, "P", "1")
	r := s.mutate(t, `mutation($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) { image { path url sha256 } } }`,
		map[string]any{"id": id, "image": nil}, map[string]upload{"variables.image": {name: "a.png", body: body}})
	if len(r.Errors) > 0 {
		t.Fatalf("addProductImage: %s", r.Raw)
	}
	return dig(r.Data, "addProductImage", "image").(map[string]any)
}

// TestMediaServing drives GET/HEAD /media/ on whichever storage the suite
// runs on (local disk, or S3 streamed through the server).
func TestMediaServing(t *testing.T) {
	s := newTestServer(t, nil)
	img := pngBytes(t, 300, 300, 7)
	f := storeImage(t, s, img)
	url := digString(f, "url")
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	r := s.mutate(t, `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { file { url } } }`,
		map[string]any{"input": map[string]any{"title": "T", "file": nil}},
		map[string]upload{"variables.input.file": {name: "t.pdf", body: pdf}})
	pdfURL := digString(r.Data, "createDocument", "file", "url")

	resp, body := s.get(t, url)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || sha(body) != sha(img) || etag == "" ||
		resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "max-age=") || resp.Header.Get("Content-Disposition") != "" ||
		resp.Header.Get("Last-Modified") == "" {
		t.Fatalf("GET: %d %v", resp.StatusCode, resp.Header)
	}
	tests := []struct {
		name   string
		method string
		path   string
		header []string
		status int
		body   string // expected body, when checked
	}{
		{"range", "GET", url, []string{"Range", "bytes=10-19"}, 206, string(img[10:20])},
		{"suffix range", "GET", url, []string{"Range", "bytes=-5"}, 206, string(img[len(img)-5:])},
		{"unsatisfiable range", "GET", url, []string{"Range", "bytes=999999999-"}, 416, ""},
		{"if-none-match", "GET", url, []string{"If-None-Match", etag}, 304, ""},
		{"head", "HEAD", url, nil, 200, ""},
		{"post", "POST", url, nil, 405, ""},
		{"unknown", "GET", "/media/products/images/nothing.png", nil, 404, ""},
		{"directory", "GET", "/media/products/images/", nil, 404, ""},
		{"directory without slash", "GET", "/media/products", nil, 404, ""},
		{"dot-dot", "GET", "/media/../server.go", nil, 404, ""},
		{"encoded dot-dot", "GET", "/media/%2e%2e/%2e%2e/etc/passwd", nil, 404, ""},
		{"encoded slash traversal", "GET", "/media/products%2f..%2f..%2fgo.mod", nil, 404, ""},
		{"backslash", "GET", `/media/products\images`, nil, 404, ""},
		{"temporaries", "GET", "/media/.tmp/", nil, 404, ""},
		{"sidecar", "GET", "/media/" + digString(f, "path") + ".attrs", nil, 404, ""},
		{"dotfile", "GET", "/media/products/.attrs", nil, 404, ""},
		{"a name the server never makes", "GET", "/media/products/images/passwd.png", nil, 404, ""},
		{"a generated name without a prefix", "GET", "/media/" + path.Base(digString(f, "path")), nil, 404, ""},
		{"a generated name under another prefix", "GET", "/media/other-app/" + path.Base(digString(f, "path")), nil, 404, ""},
		{"a generated name with another extension", "GET", "/media/" + strings.TrimSuffix(digString(f, "path"), ".png") + ".html", nil, 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, s.URL+tc.path, nil)
			if tc.path != url && !strings.Contains(tc.path, "%") {
				req.URL.Opaque = tc.path // keep the path as written
			}
			for i := 0; i+1 < len(tc.header); i += 2 {
				req.Header.Set(tc.header[i], tc.header[i+1])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d (%s)", resp.StatusCode, tc.status, b)
			}
			if tc.body != "" && string(b) != tc.body {
				t.Errorf("body %q, want %q", b, tc.body)
			}
			if tc.method == "HEAD" && (len(b) != 0 || resp.ContentLength != int64(len(img))) {
				t.Errorf("HEAD: %d bytes, Content-Length %d", len(b), resp.ContentLength)
			}
			if tc.status >= 400 && strings.Contains(string(b), "/") && strings.Contains(string(b), "open") {
				t.Errorf("error leaks detail: %s", b)
			}
			if strings.HasPrefix(resp.Request.URL.Path, "/media/") {
				// Not when the mux cleaned the path and redirected out of
				// /media/ (dot-dot): that answer is not the media handler's.
				checkMediaPageHeaders(t, resp.Header)
			}
		})
	}
	checkMediaPageHeaders(t, resp.Header) // the 200 above
	resp, body = s.get(t, pdfURL)
	if resp.StatusCode != 200 || string(body) != string(pdf) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
		resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("GET pdf: %d %v", resp.StatusCode, resp.Header)
	}
}

// checkMediaPageHeaders: every answer under /media/ keeps its body from
// running as a page and may be embedded by other origins.
func checkMediaPageHeaders(t *testing.T, h http.Header) {
	t.Helper()
	for k, v := range map[string]string{
		"Content-Security-Policy":      "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
		"Cross-Origin-Resource-Policy": "cross-origin",
		"X-Content-Type-Options":       "nosniff",
	} {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
}

// TestMediaForeignFiles: files in the media directory that the server did
// not make are not served, though they are there (local disk).
func TestMediaForeignFiles(t *testing.T) {
	if os.Getenv("MEDIAGRAPH_TEST_STORAGE") == "s3" {
		t.Skip("writes files into a local media directory; S3 is in the media conformance suite")
	}
	s := newTestServer(t, nil)
	for _, rel := range []string{"products/images/passwd.png", orphanKey("", "png"), orphanKey("other-app/", "png"), orphanKey("products/images/", "html")} {
		p := filepath.Join(s.mediaDir, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte("FOREIGN"), 0o644); err != nil {
			t.Fatal(err)
		}
		resp, body := s.get(t, "/media/"+rel)
		if resp.StatusCode != 404 || strings.Contains(string(body), "FOREIGN") {
			t.Errorf("GET /media/%s: %d %q", rel, resp.StatusCode, body)
		}
		checkMediaPageHeaders(t, resp.Header)
	}
}

// TestMediaSymlinkOutOfRoot: a symlink inside the media root that points
// outside it is not followed (local disk), under a generated name too
// (which the key's shape alone would let through).
func TestMediaSymlinkOutOfRoot(t *testing.T) {
	if os.Getenv("MEDIAGRAPH_TEST_STORAGE") == "s3" {
		t.Skip("local disk only")
	}
	s := newTestServer(t, nil)
	name := path.Base(orphanKey("", "png"))
	secret := filepath.Join(t.TempDir(), name)
	os.WriteFile(secret, []byte("secret"), 0o644)
	os.MkdirAll(filepath.Join(s.mediaDir, "products", "images"), 0o755)
	generated := orphanKey("products/images/", "png")
	for link, target := range map[string]string{
		"products/images/link.png": secret,
		generated:                  secret,
		"images":                   filepath.Dir(secret), // a linked prefix directory
		"outside":                  filepath.Dir(secret),
	} {
		if err := os.Symlink(target, filepath.Join(s.mediaDir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"/media/products/images/link.png", "/media/" + generated, "/media/images/" + name, "/media/outside/" + name} {
		resp, body := s.get(t, p)
		if resp.StatusCode != 404 || strings.Contains(string(body), "secret") {
			t.Errorf("GET %s: %d %s", p, resp.StatusCode, body)
		}
	}
}

// TestAbsoluteMediaURL: with a CDN MEDIA_URL, url is absolute and the
// server does not serve /media/ itself.
func TestAbsoluteMediaURL(t *testing.T) {
	s := newTestServer(t, map[string]string{"MEDIA_URL": "https://cdn.example.com/m/"})
	f := storeImage(t, s, pngBytes(t, 300, 300, 1))
	if digString(f, "url") != "https://cdn.example.com/m/"+digString(f, "path") {
		t.Errorf("url = %q", digString(f, "url"))
	}
	if resp, _ := s.get(t, "/media/"+digString(f, "path")); resp.StatusCode != 404 {
		t.Errorf("/media/ served with an absolute MEDIA_URL: %d", resp.StatusCode)
	}
}

// TestSignedURLs: with MEDIA_SIGNED_URLS on S3, url is a presigned GET URL
// of the bucket that serves the bytes; on local disk the setting is refused
// at start.
func TestSignedURLs(t *testing.T) {
	if os.Getenv("MEDIAGRAPH_TEST_STORAGE") != "s3" {
		dir := t.TempDir()
		cfg := testConfig(t, map[string]string{"DATABASE_URL": testDatabaseURL(t, dir), "STORAGE_URL": filepath.Join(dir, "m"), "MEDIA_SIGNED_URLS": "10m"})
		_, err := BuildServer(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err == nil || !strings.Contains(err.Error(), "MEDIA_SIGNED_URLS") {
			t.Fatalf("MEDIA_SIGNED_URLS on local disk: %v", err)
		}
		return
	}
	s := newTestServer(t, map[string]string{"MEDIA_SIGNED_URLS": "10m"})
	img := pngBytes(t, 300, 300, 3)
	f := storeImage(t, s, img)
	u := digString(f, "url")
	if !strings.HasPrefix(u, "http") || !strings.Contains(u, "X-Amz-Signature=") || !strings.Contains(u, "X-Amz-Expires=600") {
		t.Fatalf("url = %q, want a presigned URL valid 600 s", u)
	}
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || sha(b) != sha(img) {
		t.Errorf("GET signed URL: %d, %d bytes", resp.StatusCode, len(b))
	}
	// Tampering breaks the signature.
	resp2, err := http.Get(strings.Replace(u, "X-Amz-Expires=600", "X-Amz-Expires=6000", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 403 {
		t.Errorf("tampered signed URL: %d, want 403", resp2.StatusCode)
	}
}
