package app

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Validation through real multipart requests: every refusal answers 200
// with its code and field and adds no row and no file (temporaries
// included: counts walks the whole media root).

const addImageFull = `mutation($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) {
	id image { path url name size contentType sha256 width height } } }`

const createDocumentFull = `mutation($input: CreateDocumentInput!) { createDocument(input: $input) {
	id title file { path name contentType size } image { path contentType } } }`

// valNoisyPNG is a w×h PNG of random pixels: it does not compress, so its
// size is about 4·w·h bytes.
func valNoisyPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	rng := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.Uint32())
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func valJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(w, h, 3), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func valGIF(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := gif.Encode(&buf, testImage(w, h, 4), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// valPNGClaiming is a PNG signature and an IHDR chunk (with a correct CRC)
// claiming w×h pixels, then IEND: no pixel data at all.
func valPNGClaiming(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := append([]byte(typ), data...)
		b.Write(c)
		binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(c))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit truecolour
	chunk("IHDR", ihdr)
	chunk("IEND", nil)
	return b.Bytes()
}

// valZip is a zip archive of the named entries.
func valZip(t *testing.T, entries ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, name := range entries {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		switch name {
		case "[Content_Types].xml":
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
</Types>`))
		case "word/document.xml":
			w.Write([]byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>`))
		default:
			w.Write([]byte("data of " + name))
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var valPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func TestValidationAddProductImage(t *testing.T) {
	s := newTestServer(t, nil)
	id := createProduct(t, s, "Chair", "10")
	valid := pngBytes(t, 300, 300, 7)

	refusals := []struct {
		name     string
		fileName string
		body     []byte
		code     string
	}{
		{"too small", "small.png", pngBytes(t, 120, 90, 1), "IMAGE_TOO_SMALL"},
		{"text named .png", "photo.png", []byte("this is just some text, not a picture at all\n"), "UNSUPPORTED_FILE_TYPE"},
		{"truncated PNG", "cut.png", valid[:len(valid)/2], "INVALID_IMAGE"},
		{"IHDR claims 50000x50000", "huge.png", valPNGClaiming(50000, 50000), "IMAGE_TOO_LARGE"},
		{"SVG with script", "logo.svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><script>alert(document.cookie)</script><rect width="400" height="400"/></svg>`), "UNSUPPORTED_FILE_TYPE"},
		{"SVG with script named .png", "logo.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><script>alert(1)</script></svg>`), "UNSUPPORTED_FILE_TYPE"},
		{"HTML named .png", "x.png", []byte("<!DOCTYPE html><html><head><script>alert(1)</script></head><body>hi</body></html>"), "UNSUPPORTED_FILE_TYPE"},
		{"empty file", "empty.png", nil, "UNSUPPORTED_FILE_TYPE"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counts(t)
			start := time.Now()
			r := s.mutate(t, addImageFull, map[string]any{"id": id, "image": nil},
				map[string]upload{"variables.image": {name: tc.fileName, body: tc.body}})
			elapsed := time.Since(start)
			wantErrorCode(t, r, http.StatusOK, tc.code, "image")
			if dig(r.Data, "addProductImage") != nil {
				t.Errorf("data = %v, want addProductImage null", r.Data)
			}
			if tc.code == "IMAGE_TOO_LARGE" && elapsed > 2*time.Second {
				t.Errorf("a header-only bomb took %v to refuse; it must be refused from the header", elapsed)
			}
			wantUnchanged(t, s, before)
		})
	}

	accepted := []struct {
		name, fileName string
		body           []byte
		contentType    string
		ext            string
	}{
		{"JPEG", "photo.jpeg", valJPEG(t, 300, 300), "image/jpeg", ".jpg"},
		{"GIF", "anim.gif", valGIF(t, 300, 300), "image/gif", ".gif"},
		{"PNG named .jpg: content wins", "photo.jpg", pngBytes(t, 300, 300, 9), "image/png", ".png"},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counts(t)
			r := s.mutate(t, addImageFull, map[string]any{"id": id, "image": nil},
				map[string]upload{"variables.image": {name: tc.fileName, body: tc.body}})
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("refused: %d %s", r.Status, r.Raw)
			}
			f := dig(r.Data, "addProductImage", "image")
			path := digString(f, "path")
			if !strings.HasPrefix(path, "products/images/") || !strings.HasSuffix(path, tc.ext) {
				t.Errorf("path = %q, want products/images/…%s", path, tc.ext)
			}
			if got := digString(f, "contentType"); got != tc.contentType {
				t.Errorf("contentType = %q, want %q", got, tc.contentType)
			}
			if got := digString(f, "name"); got != tc.fileName {
				t.Errorf("name = %q, want %q", got, tc.fileName)
			}
			if dig(f, "width") != float64(300) || dig(f, "height") != float64(300) || dig(f, "size") != float64(len(tc.body)) || digString(f, "sha256") != sha(tc.body) {
				t.Errorf("image = %v", f)
			}
			resp, body := s.get(t, digString(f, "url"))
			if resp.StatusCode != http.StatusOK || !bytes.Equal(body, tc.body) || resp.Header.Get("Content-Type") != tc.contentType {
				t.Errorf("GET %s: %d %q, %d bytes", digString(f, "url"), resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
			}
			after := s.counts(t)
			if after.images != before.images+1 || after.files != before.files+1 {
				t.Errorf("counts %+v → %+v, want one image and one file more", before, after)
			}
		})
	}
}

func TestValidationFileTooLarge(t *testing.T) {
	s := newTestServer(t, map[string]string{"MAX_IMAGE_BYTES": "64KiB"})
	id := createProduct(t, s, "Chair", "10")
	big := valNoisyPNG(t, 300, 300)
	if len(big) <= 64<<10 {
		t.Fatalf("test PNG is only %d bytes", len(big))
	}
	for _, tc := range []struct {
		name string
		body []byte
	}{
		{"valid PNG over the limit", big},
		{"just bytes over the limit", bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 20<<10)},
		{"valid PNG with trailing bytes over the limit", append(pngBytes(t, 300, 300, 1), make([]byte, 64<<10)...)},
		{"limit + 1 bytes", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64<<10+1-8)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counts(t)
			r := s.mutate(t, addImageFull, map[string]any{"id": id, "image": nil},
				map[string]upload{"variables.image": {name: "big.png", body: tc.body}})
			wantErrorCode(t, r, http.StatusOK, "FILE_TOO_LARGE", "image")
			wantUnchanged(t, s, before)
		})
	}
	// A valid PNG under the limit passes.
	exact := pngBytes(t, 300, 300, 2)
	if len(exact) < 64<<10 {
		t.Run("under the limit passes", func(t *testing.T) {
			r := s.mutate(t, addImageFull, map[string]any{"id": id, "image": nil},
				map[string]upload{"variables.image": {name: "ok.png", body: exact}})
			if len(r.Errors) > 0 {
				t.Fatalf("a %d-byte PNG was refused under a 64KiB limit: %s", len(exact), r.Raw)
			}
		})
	}
}

func TestValidationAddProductImagesAllOrNothing(t *testing.T) {
	s := newTestServer(t, nil)
	id := createProduct(t, s, "Chair", "10")
	const q = `mutation($id: ID!, $images: [Upload!]!) { addProductImages(productID: $id, images: $images) { id } }`
	good := func(seed uint8) upload {
		return upload{name: fmt.Sprintf("g%d.png", seed), body: pngBytes(t, 300, 300, seed)}
	}
	small := upload{name: "small.png", body: pngBytes(t, 120, 90, 1)}
	text := upload{name: "notes.png", body: []byte("plain text, not an image\n")}

	tests := []struct {
		name   string
		files  [3]upload
		errors map[string]string // field → code, every one reported
	}{
		{"third too small", [3]upload{good(1), good(2), small}, map[string]string{"images.2": "IMAGE_TOO_SMALL"}},
		{"first and third bad", [3]upload{small, good(3), text}, map[string]string{"images.0": "IMAGE_TOO_SMALL", "images.2": "UNSUPPORTED_FILE_TYPE"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counts(t)
			files := map[string]upload{}
			for i, f := range tc.files {
				files[fmt.Sprintf("variables.images.%d", i)] = f
			}
			r := s.mutate(t, q, map[string]any{"id": id, "images": []any{nil, nil, nil}}, files)
			if r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Raw)
			}
			got := map[string]string{}
			for i, e := range r.Errors {
				got[e.field()] = e.code()
				if i > 0 && e.field() < r.Errors[i-1].field() {
					t.Errorf("errors out of argument order: %s", r.Raw)
				}
			}
			if len(r.Errors) != len(tc.errors) || fmt.Sprint(got) != fmt.Sprint(tc.errors) {
				t.Errorf("errors = %v (%d), want %v; body %s", got, len(r.Errors), tc.errors, r.Raw)
			}
			if dig(r.Data, "addProductImages") != nil {
				t.Errorf("data = %v", r.Data)
			}
			wantUnchanged(t, s, before)
		})
	}
	// createProduct with images: a bad image leaves no product either.
	t.Run("createProduct with one bad image", func(t *testing.T) {
		before := s.counts(t)
		r := s.mutate(t, `mutation($input: CreateProductInput!, $images: [Upload!]) { createProduct(input: $input, images: $images) { id } }`,
			map[string]any{"input": map[string]any{"name": "Table", "price": "5"}, "images": []any{nil, nil}},
			map[string]upload{"variables.images.0": good(4), "variables.images.1": small})
		wantErrorCode(t, r, http.StatusOK, "IMAGE_TOO_SMALL", "images.1")
		wantUnchanged(t, s, before)
	})
}

func TestValidationCreateDocument(t *testing.T) {
	s := newTestServer(t, nil)
	docx := valZip(t, "[Content_Types].xml", "word/document.xml")
	bigImage := valNoisyPNG(t, 400, 400) // > 500KiB
	if len(bigImage) <= 500<<10 {
		t.Fatalf("test image is only %d bytes", len(bigImage))
	}
	refusals := []struct {
		name  string
		title string
		file  upload
		image *upload
		code  string
		field string
	}{
		{"text named fake.pdf", "T", upload{name: "fake.pdf", body: []byte("not a pdf, just words\n")}, nil, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"PDF named doc.txt", "T", upload{name: "doc.txt", body: valPDF}, nil, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"MZ executable named setup.pdf", "T", upload{name: "setup.pdf", body: append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"), bytes.Repeat([]byte{0}, 200)...)}, nil, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"zip without word/document.xml named x.docx", "T", upload{name: "x.docx", body: valZip(t, "[Content_Types].xml", "other.xml")}, nil, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"txt with a NUL byte", "T", upload{name: "notes.txt", body: []byte("hello\x00world\n")}, nil, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"txt of invalid UTF-8", "T", upload{name: "notes.txt", body: []byte("caf\xe9 cr\xe8me br\xfbl\xe9e\n")}, nil, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"DOCX named x.pdf", "T", upload{name: "x.pdf", body: docx}, nil, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"PDF without an extension", "T", upload{name: "manual", body: valPDF}, nil, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"PNG as the document file", "T", upload{name: "scan.png", body: pngBytes(t, 300, 300, 1)}, nil, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"empty txt", "T", upload{name: "empty.txt", body: nil}, nil, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"image over MAX_DOCUMENT_IMAGE_BYTES", "T", upload{name: "ok.pdf", body: valPDF}, &upload{name: "cover.png", body: bigImage}, "FILE_TOO_LARGE", "input.image"},
		{"image not an image", "T", upload{name: "ok.pdf", body: valPDF}, &upload{name: "cover.png", body: []byte("text")}, "UNSUPPORTED_FILE_TYPE", "input.image"},
		{"empty title", "", upload{name: "ok.pdf", body: valPDF}, nil, "BAD_USER_INPUT", "input.title"},
		{"blank title", "   ", upload{name: "ok.pdf", body: valPDF}, nil, "BAD_USER_INPUT", "input.title"},
		{"title of 101 characters", strings.Repeat("t", 101), upload{name: "ok.pdf", body: valPDF}, nil, "BAD_USER_INPUT", "input.title"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counts(t)
			input := map[string]any{"title": tc.title, "file": nil}
			files := map[string]upload{"variables.input.file": tc.file}
			if tc.image != nil {
				input["image"] = nil
				files["variables.input.image"] = *tc.image
			}
			r := s.mutate(t, createDocumentFull, map[string]any{"input": input}, files)
			wantErrorCode(t, r, http.StatusOK, tc.code, tc.field)
			wantUnchanged(t, s, before)
		})
	}

	accepted := []struct {
		name        string
		file        upload
		contentType string
		ext         string
	}{
		{"DOCX", upload{name: "x.docx", body: docx}, "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
		{"PDF", upload{name: "manual.pdf", body: valPDF}, "application/pdf", ".pdf"},
		{"UTF-8 text", upload{name: "notes.txt", body: []byte("crème brûlée\n")}, "text/plain; charset=utf-8", ".txt"},
		{"title of 100 characters", upload{name: "t.txt", body: []byte("x\n")}, "text/plain; charset=utf-8", ".txt"},
		{"upper-case extension REPORT.PDF", upload{name: "REPORT.PDF", body: valPDF}, "application/pdf", ".pdf"},
		{"UTF-8 text with a BOM", upload{name: "bom.txt", body: []byte("\xef\xbb\xbfnotes from Notepad\r\n")}, "text/plain; charset=utf-8", ".txt"},
	}
	for _, tc := range accepted {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counts(t)
			title := "Doc " + tc.name
			if strings.HasPrefix(tc.name, "title of 100") {
				title = strings.Repeat("é", 100)
			}
			r := s.mutate(t, createDocumentFull, map[string]any{"input": map[string]any{"title": title, "file": nil}},
				map[string]upload{"variables.input.file": tc.file})
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("refused: %d %s", r.Status, r.Raw)
			}
			f := dig(r.Data, "createDocument", "file")
			if got := digString(f, "contentType"); got != tc.contentType {
				t.Errorf("contentType = %q, want %q", got, tc.contentType)
			}
			if p := digString(f, "path"); !strings.HasPrefix(p, "documents/") || !strings.HasSuffix(p, tc.ext) {
				t.Errorf("path = %q, want documents/…%s", p, tc.ext)
			}
			if digString(f, "name") != tc.file.name || dig(f, "size") != float64(len(tc.file.body)) {
				t.Errorf("file = %v", f)
			}
			if after := s.counts(t); after.documents != before.documents+1 || after.files != before.files+1 {
				t.Errorf("counts %+v → %+v", before, after)
			}
		})
	}
}

// rawNameUpload sends addProductImage with a file part whose
// Content-Disposition is written as given (multipartBody quotes names with
// Go escapes, which a multipart reader does not undo).
func rawNameUpload(t *testing.T, s *testServer, productID, disposition string, body []byte) gqlResponse {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("operations", fmt.Sprintf(`{"query":%q,"variables":{"id":%q,"image":null}}`, addImageFull, productID))
	mw.WriteField("map", `{"0":["variables.image"]}`)
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", disposition)
	h.Set("Content-Type", "image/png")
	w, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(body)
	mw.Close()
	return s.postMultipart(t, &buf, mw.FormDataContentType())
}

func TestValidationFileNames(t *testing.T) {
	s := newTestServer(t, nil)
	id := createProduct(t, s, "Chair", "10")
	long := strings.Repeat("a", 996) + ".png"
	pathRE := regexp.MustCompile(`^products/images/[a-z0-9]+\.png$`)
	tests := []struct {
		name        string
		disposition string
		want        string // the stored name, when it is known exactly
	}{
		{"traversal", `form-data; name="0"; filename="../../etc/passwd.png"`, "passwd.png"},
		{"backslash traversal", `form-data; name="0"; filename="..\\..\\windows\\win.png"`, ""},
		{"NUL (RFC 5987 encoded)", `form-data; name="0"; filename*=UTF-8''evil%00.png.exe`, ""},
		{"U+202E raw", "form-data; name=\"0\"; filename=\"invoice\u202egnp.exe\"", ""},
		{"U+202E encoded", `form-data; name="0"; filename*=UTF-8''invoice%E2%80%AEgnp.exe`, ""},
		{"1000 characters", `form-data; name="0"; filename="` + long + `"`, ""},
		{"emoji", "form-data; name=\"0\"; filename=\"🐱 café.png\"", "🐱 café.png"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counts(t)
			r := rawNameUpload(t, s, id, tc.disposition, pngBytes(t, 300, 300, uint8(i)))
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("refused: %d %s", r.Status, r.Raw)
			}
			f := dig(r.Data, "addProductImage", "image")
			name, path := digString(f, "name"), digString(f, "path")
			t.Logf("stored name %q at %q", name, path)
			if name == "" || strings.ContainsAny(name, "/\\\x00\u202e") || len(name) > 255 || !utf8.ValidString(name) {
				t.Errorf("name = %q (%d bytes): not sanitized", name, len(name))
			}
			if tc.want != "" && name != tc.want {
				t.Errorf("name = %q, want %q", name, tc.want)
			}
			if !pathRE.MatchString(path) {
				t.Errorf("path = %q, want a server-generated products/images/<random>.png", path)
			}
			if after := s.counts(t); after.files != before.files+1 || after.images != before.images+1 {
				t.Errorf("counts %+v → %+v", before, after)
			}
		})
	}
	// Nothing was written outside the media root's own directories.
	for _, f := range s.storedFiles(t) {
		if !strings.HasPrefix(f, "products/images/") {
			t.Errorf("unexpected file %q under the media root", f)
		}
	}
}

func TestValidationUnknownProduct(t *testing.T) {
	s := newTestServer(t, nil)
	createProduct(t, s, "Chair", "10")
	r := s.mutate(t, `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { id } }`,
		map[string]any{"input": map[string]any{"title": "Doc", "file": nil}},
		map[string]upload{"variables.input.file": {name: "a.pdf", body: valPDF}})
	if len(r.Errors) > 0 {
		t.Fatal(string(r.Raw))
	}
	docID := digString(r.Data, "createDocument", "id")
	const many = `mutation($id: ID!, $images: [Upload!]!) { addProductImages(productID: $id, images: $images) { id } }`
	for _, tc := range []struct{ name, id string }{
		{"unknown id", "999"},
		{"a Document's id", docID},
		{"malformed id", "abc"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counts(t)
			r := s.mutate(t, addImageFull, map[string]any{"id": tc.id, "image": nil},
				map[string]upload{"variables.image": {name: "a.png", body: pngBytes(t, 300, 300, 1)}})
			wantNotFoundOrBadID(t, r, tc.id)
			wantUnchanged(t, s, before)

			r = s.mutate(t, many, map[string]any{"id": tc.id, "images": []any{nil, nil}}, map[string]upload{
				"variables.images.0": {name: "a.png", body: pngBytes(t, 300, 300, 2)},
				"variables.images.1": {name: "b.png", body: pngBytes(t, 300, 300, 3)},
			})
			wantNotFoundOrBadID(t, r, tc.id)
			wantUnchanged(t, s, before)
		})
	}
}

// wantNotFoundOrBadID: an unknown productID is NOT_FOUND; one that is not
// an id at all is BAD_USER_INPUT; both name the argument.
func wantNotFoundOrBadID(t *testing.T, r gqlResponse, id string) {
	t.Helper()
	code := "NOT_FOUND"
	for _, c := range id {
		if c < '0' || c > '9' {
			code = "BAD_USER_INPUT"
		}
	}
	if len(r.Errors) == 0 || r.Status != http.StatusOK {
		t.Fatalf("productID %q: status %d, %s", id, r.Status, r.Raw)
	}
	if e := r.Errors[0]; e.code() != code || e.field() != "productID" {
		t.Errorf("productID %q: code %q field %q, want %s on productID; body %s", id, e.code(), e.field(), code, r.Raw)
	}
}
