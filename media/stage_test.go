package media_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"mediagraph/media"
)

const (
	typeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	typeText = "text/plain; charset=utf-8"
	typeBin  = "application/octet-stream"
)

// localStore is a store on a fresh local directory, and that directory.
func localStore(t *testing.T) (*media.Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "media")
	s, err := media.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

// temporaries lists what is left in a local store's staging directory.
func temporaries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, ".tmp"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func stage(t *testing.T, s *media.Store, r io.Reader, name string, limit int64) *media.Staged {
	t.Helper()
	st, err := s.Stage(context.Background(), r, name, limit)
	if err != nil {
		t.Fatalf("Stage(%q): %v", name, err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestStageDetects: what Stage learns of each kind of file, from its bytes
// only.
func TestStageDetects(t *testing.T) {
	s, dir := localStore(t)
	text := strings.Repeat("héllo wörld, 日本語, 🙂\n", 20000) // ~500 KiB: crosses read chunks
	tests := []struct {
		name, fileName string
		body           []byte
		contentType    string
		ext            string
		width, height  int
	}{
		{"png", "a.png", pngOf(t, 320, 300), "image/png", "png", 320, 300},
		{"jpeg", "a.jpeg", jpegOf(t, 300, 310), "image/jpeg", "jpg", 300, 310},
		{"gif", "a.gif", gifOf(t, 301, 300), "image/gif", "gif", 301, 300},
		{"webp", "a.webp", webpOf(300, 302), "image/webp", "webp", 300, 302},
		{"png named .gif: the content decides", "a.gif", pngOf(t, 10, 10), "image/png", "png", 10, 10},
		{"pdf", "a.pdf", minimalPDF, "application/pdf", "pdf", 0, 0},
		{"docx", "a.docx", docxOf(t), typeDOCX, "docx", 0, 0},
		{"text", "a.txt", []byte(text), typeText, "txt", 0, 0},
		{"html is text, never text/html", "a.html", []byte("<!DOCTYPE html><script>alert(1)</script>"), typeText, "txt", 0, 0},
		{"text with NUL", "a.txt", []byte("hello\x00world"), typeBin, "bin", 0, 0},
		{"invalid UTF-8", "a.txt", []byte("caf\xe9 au lait"), typeBin, "bin", 0, 0},
		{"UTF-8 cut in its last rune", "a.txt", []byte("h\xc3"), typeBin, "bin", 0, 0},
		{"empty", "a.txt", nil, typeBin, "bin", 0, 0},
		{"zip without word/document.xml", "a.docx", zipOf(t, zipEntry{"[Content_Types].xml", contentTypesXML}, zipEntry{"other.xml", "<x/>"}), typeBin, "bin", 0, 0},
		{"zip of more than 10000 entries", "a.docx", zipOfManyEntries(t, 10001), typeBin, "bin", 0, 0},
		{"exe", "a.pdf", exe, typeBin, "bin", 0, 0},
		{"png cut short keeps its header's size", "a.png", pngOf(t, 300, 300)[:400], "image/png", "png", 300, 300},
		{"png header that does not decode", "a.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), "image/png", "png", 0, 0},
		// Sizes that are whole 4 KiB blocks: on local disk every byte went
		// past the page cache, and the file is read back all the same.
		{"docx of whole blocks", "a.docx", blockSized(t, docxOf(t)), typeDOCX, "docx", 0, 0},
		{"jpeg of whole blocks, header past 64 KiB", "a.jpg", blockSized(t, jpegWithLongHeader(t, 300, 310, 70<<10)), "image/jpeg", "jpg", 300, 310},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := stage(t, s, bytes.NewReader(tc.body), tc.fileName, 4<<20)
			sum := sha256.Sum256(tc.body)
			if st.Size != int64(len(tc.body)) || st.Exceeded || st.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("size %d exceeded %v sha %s; sent %d bytes", st.Size, st.Exceeded, st.SHA256, len(tc.body))
			}
			if st.ContentType != tc.contentType || st.Ext != tc.ext || st.Width != tc.width || st.Height != tc.height || st.Name != tc.fileName {
				t.Errorf("got %q %q %d×%d %q, want %q %q %d×%d", st.ContentType, st.Ext, st.Width, st.Height, st.Name, tc.contentType, tc.ext, tc.width, tc.height)
			}
			r, err := st.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(r)
			r.Close()
			if !bytes.Equal(got, tc.body) {
				t.Errorf("staged bytes differ from those sent")
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			if err := st.Close(); err != nil {
				t.Fatalf("second Close: %v", err)
			}
			if left := temporaries(t, dir); len(left) != 0 {
				t.Fatalf("temporaries left after Close: %v", left)
			}
		})
	}
}

// TestStageUTF8AcrossReads: text arriving a byte at a time (every rune
// split between reads), or with runes straddling the reader's chunks, is
// still text.
func TestStageUTF8AcrossReads(t *testing.T) {
	s, _ := localStore(t)
	small := "é日🙂 — naïve café"
	large := strings.Repeat("a"+small, 40000) // runes of 1 to 4 bytes at every offset
	for _, body := range []string{small, large} {
		st := stage(t, s, iotest.OneByteReader(strings.NewReader(body)), "x.txt", 4<<20)
		if st.ContentType != typeText || st.Size != int64(len(body)) {
			t.Fatalf("%d bytes a byte at a time: %q, %d", len(body), st.ContentType, st.Size)
		}
	}
	// A NUL or a broken rune far into the stream still counts.
	for _, bad := range []string{large + "\x00", large[:len(large)/2] + "\xff" + large[len(large)/2:], large + "\xe6\x97"} {
		st := stage(t, s, iotest.HalfReader(strings.NewReader(bad)), "x.txt", 4<<20)
		if st.ContentType == typeText {
			t.Fatal("invalid text detected as text/plain")
		}
	}
}

// TestStageLimit: past the limit Stage keeps limit+1 bytes, marks the file
// Exceeded and reads the rest of the stream (a multipart body goes on).
func TestStageLimit(t *testing.T) {
	s, _ := localStore(t)
	body := bytes.Repeat([]byte("0123456789"), 100_000) // 1 MB
	for _, tc := range []struct {
		limit    int64
		exceeded bool
		size     int64
	}{
		{1000, true, 1001},
		{int64(len(body)) - 1, true, int64(len(body))},
		{int64(len(body)), false, int64(len(body))},
		{0, true, 1},
	} {
		r := bytes.NewReader(body)
		st := stage(t, s, r, "big.txt", tc.limit)
		if st.Exceeded != tc.exceeded || st.Size != tc.size || r.Len() != 0 {
			t.Errorf("limit %d: exceeded %v size %d, %d bytes left unread; want %v %d 0", tc.limit, st.Exceeded, st.Size, r.Len(), tc.exceeded, tc.size)
		}
		f, _ := st.Open()
		kept, _ := io.Copy(io.Discard, f)
		f.Close()
		if kept != tc.size {
			t.Errorf("limit %d: %d bytes kept on disk, want %d", tc.limit, kept, tc.size)
		}
		err := media.DocumentRule("Document.file", tc.limit).CheckDecodingForTest(st)
		if tc.exceeded && codeOf(err) != media.CodeFileTooLarge {
			t.Errorf("limit %d: Check = %v, want FILE_TOO_LARGE", tc.limit, err)
		}
	}
}

// TestStageReadError: a broken stream leaves no temporary, and its error
// is returned.
func TestStageReadError(t *testing.T) {
	s, dir := localStore(t)
	broken := errors.New("connection reset")
	r := io.MultiReader(bytes.NewReader(pngOf(t, 300, 300)), bytes.NewReader(make([]byte, 300<<10)), iotest.ErrReader(broken))
	st, err := s.Stage(context.Background(), r, "a.png", 10<<20)
	if !errors.Is(err, broken) || st != nil || !strings.HasPrefix(err.Error(), "media: ") {
		t.Fatalf("Stage = %v, %v; want the read error wrapped", st, err)
	}
	if left := temporaries(t, dir); len(left) != 0 {
		t.Fatalf("temporaries left: %v", left)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Stage(ctx, strings.NewReader("hello"), "a.txt", 100); !errors.Is(err, context.Canceled) {
		t.Fatalf("Stage with a cancelled context = %v", err)
	}
	if left := temporaries(t, dir); len(left) != 0 {
		t.Fatalf("temporaries left: %v", left)
	}
}

// TestStageZipBombs: a DOCX whose document part inflates enormously, or
// whose central directory lists a great many entries, is read only as far
// as needed: fast, in little memory.
func TestStageZipBombs(t *testing.T) {
	s, _ := localStore(t)
	for _, tc := range []struct {
		name        string
		body        []byte
		contentType string
	}{
		{"document part declaring a terabyte", docxBomb(t), typeDOCX},
		{"100000 entries", zipOfManyEntries(t, 100_000), typeBin},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			st := stage(t, s, bytes.NewReader(tc.body), "bomb.docx", 20<<20)
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if elapsed > 2*time.Second {
				t.Errorf("staging took %v", elapsed)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
				t.Errorf("staging %d bytes allocated %d bytes", len(tc.body), alloc)
			}
			if st.ContentType != tc.contentType {
				t.Errorf("content type %q, want %q", st.ContentType, tc.contentType)
			}
		})
	}
}

func codeOf(err error) media.Code {
	var verr *media.ValidationError
	if errors.As(err, &verr) {
		return verr.Code
	}
	return ""
}

// TestCheck: each rule by content, type, extension and dimensions; a full
// decode of every image and Store.Check agree.
func TestCheck(t *testing.T) {
	s, _ := localStore(t)
	image := media.ImageRule("ProductImage.image", 10<<20, 300, 300, 40_000_000)
	small := media.ImageRule("Document.image", 500<<10, 0, 0, 40_000_000)
	doc := media.DocumentRule("Document.file", 20<<20)
	png300 := pngOf(t, 300, 300)
	tests := []struct {
		name     string
		rule     media.Rule
		body     []byte
		fileName string
		code     media.Code
		message  string
	}{
		{"png", image, png300, "photo.png", "", ""},
		{"jpeg", image, jpegOf(t, 300, 300), "photo", "", ""},
		{"gif", image, gifOf(t, 300, 300), "photo.jpg", "", ""},
		{"webp", image, webpOf(300, 300), "photo.webp", "", ""},
		{"120×90", image, pngOf(t, 120, 90), "photo.png", media.CodeImageTooSmall, "image is 120×90 pixels; at least 300×300 required"},
		{"no minimum", small, pngOf(t, 12, 9), "photo.png", "", ""},
		{"header claiming 50000×50000, refused before any decode", image, pngClaiming(t, 50000, 50000), "huge.png", media.CodeImageTooLarge, ""},
		{"png cut in its data", image, png300[:len(png300)/2], "photo.png", media.CodeInvalidImage, ""},
		{"png whose header does not decode", image, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR"), "photo.png", media.CodeInvalidImage, ""},
		{"jpeg cut short", image, jpegOf(t, 300, 300)[:1000], "photo.jpg", media.CodeInvalidImage, ""},
		{"webp cut short", image, webpOf(300, 300)[:20], "photo.webp", media.CodeInvalidImage, ""},
		{"too many bytes", media.ImageRule("x", 1000, 0, 0, 0), png300, "photo.png", media.CodeFileTooLarge, ""},
		{"pdf for an image", image, minimalPDF, "photo.png", media.CodeUnsupportedFileType, ""},
		{"pdf", doc, minimalPDF, "report.pdf", "", ""},
		{"PDF, upper-case extension", doc, minimalPDF, "REPORT.PDF", "", ""},
		{"docx", doc, docxOf(t), "report.docx", "", ""},
		{"txt", doc, []byte("plain words\n"), "notes.txt", "", ""},
		{"text named x.pdf", doc, []byte("plain words\n"), "x.pdf", media.CodeUnsupportedFileType, ""},
		{"pdf named x.txt", doc, minimalPDF, "x.txt", media.CodeUnsupportedFileType, ""},
		{"exe named .pdf", doc, exe, "setup.pdf", media.CodeUnsupportedFileType, ""},
		{"png named .pdf", doc, png300, "scan.pdf", media.CodeUnsupportedFileType, ""},
		{"png named .png, for documents", doc, png300, "scan.png", media.CodeUnsupportedFileType, ""},
		{"text without extension", doc, []byte("plain words\n"), "README", media.CodeUnsupportedFileType, ""},
		{"zip without word/document.xml named .docx", doc, zipOf(t, zipEntry{"a.xml", "<a/>"}), "x.docx", media.CodeUnsupportedFileType, ""},
		{"empty text", doc, nil, "empty.txt", media.CodeUnsupportedFileType, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := stage(t, s, bytes.NewReader(tc.body), tc.fileName, tc.rule.MaxBytes)
			for name, err := range map[string]error{
				"full decode": tc.rule.CheckDecodingForTest(st),
				"Store.Check": s.Check(context.Background(), tc.rule, st),
			} {
				if codeOf(err) != tc.code || (tc.code == "") != (err == nil) {
					t.Fatalf("%s = %v, want code %q", name, err, tc.code)
				}
				if err == nil {
					continue
				}
				verr := err.(*media.ValidationError)
				if verr.Field != "" || !strings.HasPrefix(err.Error(), "media: ") || verr.Message == "" {
					t.Errorf("%s: %#v", name, verr)
				}
				if tc.message != "" && verr.Message != tc.message {
					t.Errorf("%s: message %q, want %q", name, verr.Message, tc.message)
				}
			}
		})
	}
}

func TestRules(t *testing.T) {
	img := media.ImageRule("ProductImage.image", 10<<20, 300, 200, 40_000_000)
	if img.Target != "ProductImage.image" || img.MaxBytes != 10<<20 || img.MinWidth != 300 || img.MinHeight != 200 || img.MaxPixels != 40_000_000 || img.MatchExtension ||
		strings.Join(img.ContentTypes, ",") != "image/jpeg,image/png,image/gif,image/webp" || strings.Join(img.Extensions, ",") != "jpg,png,gif,webp" {
		t.Errorf("ImageRule: %+v", img)
	}
	doc := media.DocumentRule("Document.file", 20<<20)
	if doc.Target != "Document.file" || doc.MaxBytes != 20<<20 || !doc.MatchExtension ||
		strings.Join(doc.ContentTypes, ",") != "application/pdf,"+typeDOCX+","+typeText || strings.Join(doc.Extensions, ",") != "pdf,docx,txt" {
		t.Errorf("DocumentRule: %+v", doc)
	}
}

func TestSanitizeName(t *testing.T) {
	long := strings.Repeat("é", 200) + ".pdf" // 404 bytes
	tests := []struct{ in, want string }{
		{"photo.png", "photo.png"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\me\report.pdf`, "report.pdf"},
		{"a\x00b\x1f\x7f.txt", "ab.txt"},
		{"invoice\u202efdp.exe", "invoicefdp.exe"},
		{"\u2066x\u2069.txt", "x.txt"},
		{"bad\xffutf8.txt", "badutf8.txt"},
		{"", "file"},
		{"/", "file"},
		{"..", "file"},
		{"  spaced name.txt  ", "spaced name.txt"},
		{long, strings.Repeat("é", 125) + ".pdf"},
	}
	for _, tc := range tests {
		if got := media.SanitizeName(tc.in); got != tc.want {
			t.Errorf("SanitizeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	odd := strings.Repeat("a", 254) + "é" // the cut falls inside a rune
	if got := media.SanitizeName(odd); got != strings.Repeat("a", 254) {
		t.Errorf("cut inside a rune: %q", got)
	}
}
