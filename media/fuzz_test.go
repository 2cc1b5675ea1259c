package media

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzStageAndCheck streams arbitrary bytes under an arbitrary name
// through Stage and every rule: the content validators (image headers,
// PDF, DOCX zip reading, UTF-8 text) must not panic, must agree with what
// was sent, and must leave no temporary.
func FuzzStageAndCheck(f *testing.F) {
	for _, seed := range [][]byte{
		[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\xc3P\x00\x00\xc3P\x08\x06\x00\x00\x00"),
		[]byte("GIF89a\x50\xc3\x50\xc3\x00\x00\x00"),
		[]byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"),
		[]byte("RIFF\x24\x00\x00\x00WEBPVP8L\x18\x00\x00\x00\x2f"),
		[]byte("%PDF-1.4\n%%EOF\n"),
		[]byte("PK\x03\x04\x14\x00\x00\x00\x08\x00"),
		[]byte("hello, world\n"),
		[]byte("h\xc3"),
		[]byte("MZ\x90\x00"),
		[]byte("<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"),
	} {
		f.Add(seed, "file.png")
		f.Add(seed, "file.pdf")
	}
	store, err := Open(context.Background(), f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	rules := []Rule{ImageRule("img", 1<<20, 1, 1, 1<<22), DocumentRule("doc", 1<<20)}
	f.Fuzz(func(t *testing.T, content []byte, name string) {
		st, err := store.Stage(context.Background(), bytes.NewReader(content), name, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if st.Size != int64(len(content)) && !st.Exceeded {
			t.Fatalf("size %d, sent %d", st.Size, len(content))
		}
		if st.Ext != ExtForContentType(st.ContentType) {
			t.Fatalf("ext %q for %q", st.Ext, st.ContentType)
		}
		if st.ContentType == TypeText && (!utf8.Valid(content) || bytes.IndexByte(content, 0) >= 0) {
			t.Fatalf("text/plain for invalid UTF-8 or NUL")
		}
		for _, r := range rules {
			err := r.checkDecoding(st)
			if err == nil && !contains(r.ContentTypes, st.ContentType) {
				t.Fatalf("%s accepted %s", r.Target, st.ContentType)
			}
			if _, ok := err.(*ValidationError); err != nil && !ok {
				t.Fatalf("Check: %v", err)
			}
		}
		st.Close()
		if entries, _ := os.ReadDir(filepath.Join(store.testRoot().Name(), tmpDir)); len(entries) != 0 {
			t.Fatalf("%d temporaries left", len(entries))
		}
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// FuzzSanitizeName: whatever the client calls its file, the kept name is
// one safe base name.
func FuzzSanitizeName(f *testing.F) {
	for _, s := range []string{"photo.png", "../../etc/passwd", "a\\b.pdf", "x\x00y.txt", "\u202egnp.exe", strings.Repeat("é", 300) + ".png", "😀.jpg", ".", "..", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		got := SanitizeName(name)
		if got == "" || len(got) > maxNameBytes || !utf8.ValidString(got) || got == "." || got == ".." {
			t.Fatalf("SanitizeName(%q) = %q", name, got)
		}
		for _, r := range got {
			if r == '/' || r == '\\' || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("SanitizeName(%q) = %q keeps %U", name, got, r)
			}
		}
	})
}

// FuzzHandlerPath: whatever the path, the handler serves the one stored
// file or nothing; never a file outside the root, a temporary, a foreign
// file or a directory listing.
func FuzzHandlerPath(f *testing.F) {
	const name = "qzlm3x7k2bwc4ntd5rfhypsvae" // a name randomName could make
	stored, secret := "/products/images/"+name+".png", name+".txt"
	for _, p := range []string{stored, "/products/images/a.png", "/" + name + ".png", "/../" + secret, "/%2e%2e/" + secret, "/products/../../" + secret, "/.tmp/" + name + ".part", "/products/images/", "/link/" + secret, "//products//images/" + name + ".png", "/products\\images\\" + name + ".png"} {
		f.Add(p)
	}
	outside := f.TempDir()
	os.WriteFile(filepath.Join(outside, secret), []byte("SECRET"), 0o644)
	root := filepath.Join(f.TempDir(), "media")
	store, err := Open(context.Background(), root)
	if err != nil {
		f.Fatal(err)
	}
	os.MkdirAll(filepath.Join(root, "products", "images"), 0o755)
	os.WriteFile(filepath.Join(root, filepath.FromSlash(stored)), []byte("PNGDATA"), 0o644)
	os.WriteFile(filepath.Join(root, "products", "images", "a.png"), []byte("FOREIGN"), 0o644)
	os.WriteFile(filepath.Join(root, name+".png"), []byte("FOREIGN"), 0o644)
	os.WriteFile(filepath.Join(root, tmpDir, name+".part"), []byte("PARTIAL"), 0o644)
	os.Symlink(outside, filepath.Join(root, "link"))
	h := store.Handler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, stored, nil))
	if rec.Code != http.StatusOK {
		f.Fatalf("the stored file: %d", rec.Code)
	}
	f.Fuzz(func(t *testing.T, p string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path = p
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		switch rec.Code {
		case http.StatusOK:
			if string(body) != "PNGDATA" {
				t.Fatalf("GET %q served %q", p, body)
			}
		case http.StatusNotFound, http.StatusMovedPermanently:
		default:
			t.Fatalf("GET %q: status %d", p, rec.Code)
		}
		if bytes.Contains(body, []byte("SECRET")) || bytes.Contains(body, []byte("PARTIAL")) || bytes.Contains(body, []byte("FOREIGN")) {
			t.Fatalf("GET %q leaked %q", p, body)
		}
	})
}

// FuzzImageChecker: a checker's verdict does not depend on how the bytes
// are split between writes, and no input makes it panic.
func FuzzImageChecker(f *testing.F) {
	for _, seed := range []string{
		"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x00IEND\xaeB`\x82",
		"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x02\xff\xda\x00\x02\x12\xff\x00\xff\xd0\x34\xff\xff\xd9",
		"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00",
	} {
		f.Add([]byte(seed), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		for _, typ := range []string{TypePNG, TypeJPEG, TypeWebP} {
			whole := newImageChecker(typ)
			whole.write(data)
			want := whole.close()
			split := newImageChecker(typ)
			for rest, n := data, int(step)%17+1; len(rest) > 0; n = n%17 + 1 {
				k := min(n, len(rest))
				split.write(rest[:k])
				rest = rest[k:]
			}
			if got := split.close(); (got == nil) != (want == nil) {
				t.Fatalf("%s: split verdict %v, whole %v", typ, got, want)
			}
		}
	})
}
