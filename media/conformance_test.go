package media_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "gocloud.dev/blob/memblob"
	_ "gocloud.dev/blob/s3blob"

	"mediagraph/media"
	"mediagraph/media/mediatest"
)

// backends are the stores the conformance suite runs on: local disk, an
// in-memory gocloud bucket, and a real S3-compatible server (versitygw;
// skipped when it is not installed, unless MEDIAGRAPH_TEST_S3=required).
func backends(t *testing.T) map[string]func(t *testing.T) *media.Store {
	return backendsWith(media.Options{})
}

// backendsWith are backends opened with opts.
func backendsWith(opts media.Options) map[string]func(t *testing.T) *media.Store {
	open := func(t *testing.T, url string) *media.Store {
		s, err := media.OpenWith(context.Background(), url, opts)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	return map[string]func(t *testing.T) *media.Store{
		"disk": func(t *testing.T) *media.Store { return open(t, filepath.Join(t.TempDir(), "media")) },
		"mem":  func(t *testing.T) *media.Store { return open(t, "mem://") },
		"s3": func(t *testing.T) *media.Store {
			url, _ := mediatest.Bucket(t)
			return open(t, url)
		},
	}
}

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	png.Encode(&buf, img)
	return buf.Bytes()
}

func put(t *testing.T, s *media.Store, prefix string, body []byte, name string) media.File {
	t.Helper()
	st, err := s.Stage(context.Background(), bytes.NewReader(body), name, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f, err := s.Put(context.Background(), prefix, st)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func get(t *testing.T, s *media.Store, key string, header ...string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/"+key, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec.Result()
}

func TestStoreConformance(t *testing.T) {
	for name, newStore := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t)
			if err := s.Ping(ctx); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			img := pngOf(t, 320, 300)

			// Put: a new key under the prefix with the detected type's
			// extension, the facts learned while streaming, the bytes back.
			f := put(t, s, "products/images/", img, "../Photo 1.JPG")
			g := put(t, s, "products/images/", img, "photo.png")
			if !strings.HasPrefix(f.Key, "products/images/") || !strings.HasSuffix(f.Key, ".png") || f.Key == g.Key {
				t.Fatalf("keys %q, %q", f.Key, g.Key)
			}
			if f.Name != "Photo 1.JPG" || f.Size != int64(len(img)) || f.ContentType != "image/png" || f.Width != 320 || f.Height != 300 || len(f.SHA256) != 64 {
				t.Fatalf("file %+v", f)
			}
			resp := get(t, s, f.Key)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || !bytes.Equal(body, img) || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Fatalf("GET: %d, %d bytes, %v", resp.StatusCode, len(body), resp.Header)
			}

			// Range reads and conditional requests.
			resp = get(t, s, f.Key, "Range", "bytes=100-199")
			body, _ = io.ReadAll(resp.Body)
			if resp.StatusCode != 206 || !bytes.Equal(body, img[100:200]) {
				t.Fatalf("Range: %d %d bytes", resp.StatusCode, len(body))
			}
			etag := get(t, s, f.Key).Header.Get("ETag")
			if resp := get(t, s, f.Key, "If-None-Match", etag); resp.StatusCode != 304 {
				t.Fatalf("If-None-Match: %d", resp.StatusCode)
			}

			// Not found.
			if resp := get(t, s, "products/images/missing.png"); resp.StatusCode != 404 {
				t.Fatalf("missing key: %d", resp.StatusCode)
			}

			// A staged file refused and closed leaves nothing; Put consumes
			// the staged file.
			st, err := s.Stage(ctx, strings.NewReader("not an image"), "x.png", 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Put(ctx, "products/images/", st); err == nil {
				t.Fatal("Put of a closed staged file succeeded")
			}

			// Sweep: unreferenced files older than the grace go, referenced
			// ones and young ones stay.
			referenced := func(_ context.Context, keys []string) (map[string]bool, error) {
				return map[string]bool{g.Key: true}, nil
			}
			if n, err := s.Sweep(ctx, time.Hour, referenced); err != nil || n != 0 {
				t.Fatalf("sweep with a long grace removed %d (%v)", n, err)
			}
			if n, err := s.Sweep(ctx, -time.Hour, referenced); err != nil || n != 1 {
				t.Fatalf("sweep removed %d (%v), want the 1 unreferenced file", n, err)
			}
			if resp := get(t, s, f.Key); resp.StatusCode != 404 {
				t.Fatalf("swept file still served: %d", resp.StatusCode)
			}
			if resp := get(t, s, g.Key); resp.StatusCode != 200 {
				t.Fatalf("referenced file gone: %d", resp.StatusCode)
			}
			failing := func(context.Context, []string) (map[string]bool, error) { return nil, errors.New("db down") }
			if _, err := s.Sweep(ctx, -time.Hour, failing); err == nil {
				t.Fatal("sweep without an answer from the database removed files or claimed success")
			}
			if resp := get(t, s, g.Key); resp.StatusCode != 200 {
				t.Fatal("a sweep that could not ask the database removed a file")
			}

			// Delete, twice: a missing key is not an error.
			if err := s.Delete(ctx, g.Key); err != nil {
				t.Fatal(err)
			}
			if err := s.Delete(ctx, g.Key); err != nil {
				t.Fatalf("deleting a missing key: %v", err)
			}
			if resp := get(t, s, g.Key); resp.StatusCode != 404 {
				t.Fatalf("deleted file served: %d", resp.StatusCode)
			}
			if err := s.Delete(ctx, "../escape"); err == nil {
				t.Fatal("Delete accepted a key outside the store")
			}
			// On local disk it counts this store's own temporaries: none may
			// be left. A bucket store's count is of the staging directories
			// of dead processes on the machine, which other runs leave.
			if n, err := s.RemoveTemporaries(); err != nil || (name == "disk" && n != 0) {
				t.Fatalf("RemoveTemporaries: %d %v", n, err)
			}
		})
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	mediatest.Stop()
	os.Exit(code)
}
