package app

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"net/http"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// pngHeaderOnly is a PNG signature and an IHDR chunk claiming w×h pixels,
// with no image data: a decompression bomb's header.
func pngHeaderOnly(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// gifHeaderOnly is a GIF header with a w×h logical screen.
func gifHeaderOnly(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	return append(b, 0, 0, 0, ',', 0, 0, 0, 0, byte(w), byte(w>>8), byte(h), byte(h>>8), 0, 2, 2, 0x44, 0x01, 0, ';')
}

// zipBombDOCX is a small DOCX whose word/document.xml inflates to 200 MB.
func zipBombDOCX(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("[Content_Types].xml")
	w.Write([]byte(`<?xml version="1.0"?><Types/>`))
	w, _ = zw.Create("word/document.xml")
	w.Write([]byte(`<?xml version="1.0"?><w:document>`))
	zeros := make([]byte, 1<<20)
	for range 200 {
		w.Write(zeros)
	}
	zw.Close()
	return buf.Bytes()
}

// TestHostileFiles: each hostile file is refused with its code, or stored
// safely; a refusal leaves no row and no file.
func TestHostileFiles(t *testing.T) {
	s := newTestServer(t, nil)
	id := createProduct(t, s, "P", "1")
	polyglot := append(pngBytes(t, 300, 300, 1), []byte("<html><script>alert(document.cookie)</script></html>")...)
	bomb := zipBombDOCX(t)
	if len(bomb) > 1<<20 {
		t.Fatalf("zip bomb fixture is %d bytes", len(bomb))
	}
	image := func(name string, body []byte) func() gqlResponse {
		return func() gqlResponse {
			return s.mutate(t, `mutation($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) { image { path url name contentType } } }`,
				map[string]any{"id": id, "image": nil}, map[string]upload{"variables.image": {name: name, body: body}})
		}
	}
	doc := func(name string, body []byte) func() gqlResponse {
		return func() gqlResponse {
			return s.mutate(t, `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { file { path url name contentType } } }`,
				map[string]any{"input": map[string]any{"title": "T", "file": nil}}, map[string]upload{"variables.input.file": {name: name, body: body}})
		}
	}
	refused := []struct {
		name string
		send func() gqlResponse
		code string
	}{
		{"PNG header claiming 50000×50000", image("bomb.png", pngHeaderOnly(50000, 50000)), "IMAGE_TOO_LARGE"},
		{"GIF header claiming 50000×50000", image("bomb.gif", gifHeaderOnly(50000, 50000)), "IMAGE_TOO_LARGE"},
		{"SVG with a script", image("x.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><script>alert(1)</script></svg>`)), "UNSUPPORTED_FILE_TYPE"},
		{"SVG named .png", image("x.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)), "UNSUPPORTED_FILE_TYPE"},
		{"HTML named .png", image("x.png", []byte(`<!DOCTYPE html><html><script>alert(1)</script></html>`)), "UNSUPPORTED_FILE_TYPE"},
		{"executable named .pdf", doc("setup.pdf", append([]byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00"), make([]byte, 4096)...)), "UNSUPPORTED_FILE_TYPE"},
		{"ELF named .txt", doc("run.txt", append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 512)...)), "UNSUPPORTED_FILE_TYPE"},
		{"HTML named .pdf", doc("x.pdf", []byte(`<html><script>alert(1)</script></html>`)), "UNSUPPORTED_FILE_TYPE"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counts(t)
			start := time.Now()
			r := tc.send()
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s", d)
			}
			wantErrorCode(t, r, 200, tc.code, "")
			if after := s.counts(t); after != before {
				t.Errorf("counts %+v → %+v", before, after)
			}
		})
	}

	t.Run("PNG+HTML polyglot is stored as a PNG and served with nosniff", func(t *testing.T) {
		r := image("poly.png", polyglot)()
		if len(r.Errors) > 0 {
			t.Fatalf("%s", r.Raw)
		}
		f := dig(r.Data, "addProductImage", "image")
		if digString(f, "contentType") != "image/png" || !strings.HasSuffix(digString(f, "path"), ".png") {
			t.Fatalf("stored as %v", f)
		}
		resp, _ := s.get(t, digString(f, "url"))
		if resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("served with %v", resp.Header)
		}
	})

	t.Run("zip bomb inside a DOCX is checked without inflating it", func(t *testing.T) {
		start := time.Now()
		r := doc("bomb.docx", bomb)()
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %s", d)
		}
		if len(r.Errors) > 0 {
			t.Fatalf("%s", r.Raw)
		}
		f := dig(r.Data, "createDocument", "file")
		resp, _ := s.get(t, digString(f, "url"))
		if !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("a DOCX is served inline: %v", resp.Header)
		}
	})

	names := []string{
		"../../etc/passwd.png", `..\..\windows\win.ini.png`, "a/b/c.png", "nul\x00byte.png",
		"\u202egnp.exe.png", strings.Repeat("x", 1000) + ".png", "😀🎉.png", "..", "con.png", "<script>.png",
	}
	for _, name := range names {
		t.Run("name "+strings.ToValidUTF8(name[:min(len(name), 20)], "?"), func(t *testing.T) {
			r := image(name, pngBytes(t, 300, 300, 2))()
			if len(r.Errors) > 0 {
				t.Fatalf("%s", r.Raw)
			}
			f := dig(r.Data, "addProductImage", "image")
			kept, path := digString(f, "name"), digString(f, "path")
			if strings.ContainsAny(kept, "/\\\x00\u202e") || len(kept) > 255 || kept == "" || !utf8.ValidString(kept) {
				t.Errorf("name kept as %q", kept)
			}
			if !strings.HasPrefix(path, "products/images/") || strings.Count(path, "/") != 2 || strings.ContainsAny(path, "\\\x00") || strings.Contains(path, "..") || !strings.HasSuffix(path, ".png") {
				t.Errorf("stored at %q", path)
			}
			if resp, _ := s.get(t, digString(f, "url")); resp.StatusCode != http.StatusOK {
				t.Errorf("GET %s: %d", digString(f, "url"), resp.StatusCode)
			}
		})
	}
}
