package media_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"mediagraph/media"
	"mediagraph/media/mediatest"
)

// The headers every answer of the media handler carries, whatever its
// status.
const mediaCSP = "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"

func checkPageHeaders(t *testing.T, what string, h http.Header) {
	t.Helper()
	for k, v := range map[string]string{
		"Content-Security-Policy":      mediaCSP,
		"Cross-Origin-Resource-Policy": "cross-origin",
		"X-Content-Type-Options":       "nosniff",
	} {
		if got := h.Values(k); len(got) != 1 || got[0] != v {
			t.Errorf("%s: %s %q, want %q", what, k, got, v)
		}
	}
}

// serveRecorded sends one request to the store's handler.
func serveRecorded(s *media.Store, method, key string, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/", nil)
	req.URL.Path = "/" + key // as written: the handler decides
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	return rec
}

// TestForeignKeys: on every backend, an object that other software left
// in the storage under a key mediagraph never makes is not served (404, on
// GET and HEAD, although it is there to be found) and survives a sweep
// whatever its age; with Options.Prefixes, Put refuses another prefix.
// Without prefixes the shape still holds under any valid prefix.
func TestForeignKeys(t *testing.T) {
	for mode, opts := range map[string]media.Options{
		"prefixes":    {Prefixes: media.UploadPrefixesForTest},
		"no prefixes": {},
	} {
		t.Run(mode, func(t *testing.T) {
			listed := len(opts.Prefixes) > 0
			for name, newStore := range backendsWith(opts) {
				t.Run(name, func(t *testing.T) {
					ctx := context.Background()
					s := newStore(t)
					ours := put(t, s, "products/images/", pngOf(t, 10, 10), "a.png")
					// Planted like the foreign ones, but of the right shape:
					// served, so planting reaches what the handler serves.
					planted := "images/" + media.GeneratedNameForTest() + ".png"
					if err := media.PlantForTest(s, planted, []byte("PLANTED")); err != nil {
						t.Fatal(err)
					}
					if rec := serveRecorded(s, "GET", planted); rec.Code != 200 || rec.Body.String() != "PLANTED" {
						t.Fatalf("planted object of a generated key: %d %q", rec.Code, rec.Body)
					}
					wantSwept := []string{planted}
					var foreign []string
					var untypedKey string
					if name != "disk" {
						// A generated name, but not written by Put (its stored
						// type is not the extension's): not ours.
						untyped := "images/" + media.GeneratedNameForTest() + ".png"
						if err := media.PlantUntypedForTest(s, untyped, []byte("NOT OURS")); err != nil {
							t.Fatal(err)
						}
						if rec := serveRecorded(s, "GET", untyped); rec.Code != 404 {
							t.Errorf("an object of a generated name that Put did not write: %d %q", rec.Code, rec.Body)
						}
						untypedKey = untyped
					}
					for _, fk := range media.ForeignKeys() {
						body := []byte("FOREIGN " + fk.Why)
						if err := media.PlantForTest(s, fk.Key, body); err != nil {
							t.Fatalf("planting %q: %v", fk.Key, err)
						}
						served := fk.AnyPrefix && !listed
						if served {
							wantSwept = append(wantSwept, fk.Key)
						} else {
							foreign = append(foreign, fk.Key)
						}
						for _, method := range []string{"GET", "HEAD"} {
							rec := serveRecorded(s, method, fk.Key)
							checkPageHeaders(t, method+" "+fk.Key, rec.Header())
							if served {
								if rec.Code != 200 || (method == "GET" && !bytes.Equal(rec.Body.Bytes(), body)) {
									t.Errorf("%s: %s %q without prefixes: %d, want it served", fk.Why, method, fk.Key, rec.Code)
								}
								continue
							}
							if rec.Code != 404 || bytes.Contains(rec.Body.Bytes(), []byte("FOREIGN")) {
								t.Errorf("%s: %s %q: %d %q, want 404", fk.Why, method, fk.Key, rec.Code, rec.Body)
							}
						}
					}
					if listed {
						st, err := s.Stage(ctx, strings.NewReader("words\n"), "a.txt", 100)
						if err != nil {
							t.Fatal(err)
						}
						if f, err := s.Put(ctx, "other-app/", st); err == nil || !strings.HasPrefix(err.Error(), "media: ") {
							t.Errorf("Put under an unlisted prefix: %+v, %v", f, err)
						}
						st.Close()
					}

					// A negative grace: every object is older than it.
					var asked []string
					n, err := s.Sweep(ctx, -time.Hour, func(_ context.Context, keys []string) (map[string]bool, error) {
						asked = append(asked, keys...)
						return map[string]bool{ours.Key: true}, nil
					})
					if err != nil || n != len(wantSwept) {
						t.Errorf("Sweep removed %d (%v), want %d: %v", n, err, len(wantSwept), wantSwept)
					}
					for _, key := range foreign {
						if slices.Contains(asked, key) {
							t.Errorf("Sweep asked about foreign %q", key)
						}
						if !media.ExistsForTest(s, key) {
							t.Errorf("Sweep removed foreign %q", key)
						}
					}
					for _, key := range wantSwept {
						if media.ExistsForTest(s, key) {
							t.Errorf("Sweep left unreferenced %q", key)
						}
					}
					if !media.ExistsForTest(s, ours.Key) {
						t.Error("Sweep removed a referenced file")
					}
					// Asked about (the name is of our shape), but checked before
					// removal: Put did not write it.
					if untypedKey != "" && !media.ExistsForTest(s, untypedKey) {
						t.Errorf("Sweep removed %q, which Put did not write", untypedKey)
					}
				})
			}
		})
	}
}

// TestPageHeadersOnEveryAnswer: on every backend, every answer of the
// handler (200, 206, 304, 404, 405, 416; GET and HEAD) carries the
// Content-Security-Policy that keeps a stored file from running as a page,
// Cross-Origin-Resource-Policy and nosniff.
func TestPageHeadersOnEveryAnswer(t *testing.T) {
	for name, newStore := range backendsWith(media.Options{Prefixes: media.UploadPrefixesForTest}) {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			img := pngOf(t, 300, 300)
			png := put(t, s, "products/images/", img, "a.png").Key
			pdf := put(t, s, "documents/", minimalPDF, "a.pdf").Key
			etag := serveRecorded(s, "GET", png).Header().Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			later := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
			missing := "products/images/" + media.GeneratedNameForTest() + ".png"
			tests := []struct {
				name   string
				method string
				key    string
				header []string
				status int
			}{
				{"get", "GET", png, nil, 200},
				{"head", "HEAD", png, nil, 200},
				{"document", "GET", pdf, nil, 200},
				{"range", "GET", png, []string{"Range", "bytes=0-9"}, 206},
				{"head range", "HEAD", png, []string{"Range", "bytes=0-9"}, 206},
				{"if-none-match", "GET", png, []string{"If-None-Match", etag}, 304},
				{"head if-none-match", "HEAD", png, []string{"If-None-Match", etag}, 304},
				{"if-modified-since", "GET", png, []string{"If-Modified-Since", later}, 304},
				{"unsatisfiable range", "GET", png, []string{"Range", "bytes=99999999-"}, 416},
				{"post", "POST", png, nil, 405},
				{"delete", "DELETE", png, nil, 405},
				{"missing", "GET", missing, nil, 404},
				{"head missing", "HEAD", missing, nil, 404},
				{"foreign", "GET", "products/images/passwd.png", nil, 404},
				{"head foreign", "HEAD", "products/images/passwd.png", nil, 404},
				{"traversal", "GET", "../" + png, nil, 404},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					rec := serveRecorded(s, tc.method, tc.key, tc.header...)
					if rec.Code != tc.status {
						t.Fatalf("status %d, want %d", rec.Code, tc.status)
					}
					checkPageHeaders(t, tc.name, rec.Header())
					if tc.status == 304 && rec.Header().Get("ETag") != etag {
						t.Errorf("304 without its ETag: %v", rec.Header())
					}
				})
			}
		})
	}
}

// TestSymlinkedObjects: a symlink in the storage's directory to a file
// outside it. On local disk (os.Root, no symlink followed) and on S3
// through versitygw's posix backend, where the bucket's objects are files:
// a symlink under a foreign name is 404 without a lookup, on both.
//
// Under a generated name, local disk refuses it, but on S3 the shape of the
// key is all mediagraph can check: versitygw resolves the symlink and
// answers with the target, which mediagraph then serves (and a sweep
// deletes through a symlinked directory the target itself). This is a
// known gap, in SECURITY.md: the test records it, and holds what must stay
// true meanwhile (the bytes go out as the extension's type, nosniff, in
// the sandbox; a sweep never follows a symlink on local disk).
func TestSymlinkedObjects(t *testing.T) {
	opts := media.Options{Prefixes: media.UploadPrefixesForTest}
	for _, backend := range []string{"disk", "s3"} {
		t.Run(backend, func(t *testing.T) {
			ctx := context.Background()
			var storageURL, dir, bucket string
			if backend == "disk" {
				dir = filepath.Join(t.TempDir(), "media")
				storageURL = dir
			} else {
				storageURL, dir = mediatest.Bucket(t)
				bucket = filepath.Base(dir)
			}
			s, err := media.OpenWith(ctx, storageURL, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()

			outside := t.TempDir()
			secret := filepath.Join(outside, "passwd")
			inDir := media.GeneratedNameForTest() + ".png" // a generated name in the linked directory
			for _, p := range []string{secret, filepath.Join(outside, inDir)} {
				if err := os.WriteFile(p, []byte("SECRET root:x:0:0"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			generated := "products/images/" + media.GeneratedNameForTest() + ".png"
			links := map[string]string{ // key → target
				generated:                    secret,
				"products/images/passwd.png": secret,
				"images":                     outside, // a symlinked directory
			}
			if err := os.MkdirAll(filepath.Join(dir, "products", "images"), 0o755); err != nil {
				t.Fatal(err)
			}
			for key, target := range links {
				if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(key))); err != nil {
					t.Fatal(err)
				}
			}

			rec := serveRecorded(s, "GET", "products/images/passwd.png")
			if rec.Code != 404 || strings.Contains(rec.Body.String(), "SECRET") {
				t.Errorf("symlink under a foreign name: %d %q", rec.Code, rec.Body)
			}
			checkPageHeaders(t, "foreign symlink", rec.Header())

			for _, key := range []string{generated, "images/" + inDir} {
				if backend == "s3" {
					out, err := mediatest.Start(t).Client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
					if err != nil {
						t.Logf("versitygw GetObject %s: %v", key, err)
					} else {
						b, _ := io.ReadAll(out.Body)
						out.Body.Close()
						t.Logf("versitygw GetObject %s: %q (ETag %v, Content-Type %v)", key, b, aws.ToString(out.ETag), aws.ToString(out.ContentType))
					}
				}
				// Local disk: os.Root refuses the link. S3: versitygw serves the
				// target with a type it guessed, not the one Put stored.
				rec := serveRecorded(s, "GET", key)
				checkPageHeaders(t, key, rec.Header())
				if rec.Code != 404 || strings.Contains(rec.Body.String(), "SECRET") {
					t.Errorf("GET %s, a symlink with a generated name: %d %q", key, rec.Code, rec.Body)
				}
			}

			n, err := s.Sweep(ctx, -time.Hour, func(context.Context, []string) (map[string]bool, error) { return nil, nil })
			if err != nil {
				t.Fatalf("Sweep: %v", err)
			}
			for _, p := range []string{secret, filepath.Join(outside, inDir)} {
				if _, err := os.Stat(p); err != nil {
					t.Errorf("a sweep on %s removed %s, outside the storage: %v", backend, p, err)
				}
			}
			if n != 0 {
				t.Errorf("Sweep removed %d, want 0: symlinks are never stored files", n)
			}
			if backend == "disk" {
				for key := range links {
					if _, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(key))); err != nil {
						t.Errorf("Sweep removed the symlink %s: %v", key, err)
					}
				}
			}
		})
	}
}
