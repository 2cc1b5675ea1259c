package media_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"testing"
)

// Fixtures are built in code: small, and what each one is shows in the
// code that makes it.

// patterned is a w×h image whose pixels vary (so encoders cannot reduce it
// to nothing).
func patterned(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), uint8(x ^ y), 255})
		}
	}
	return img
}

func jpegOf(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, patterned(w, h), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gifOf(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White})
	for i := range img.Pix {
		img.Pix[i] = uint8(i % 2)
	}
	var buf bytes.Buffer
	if err := gif.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// webpOf is a w×h lossless WebP of one colour, written by hand (the Go
// libraries decode WebP but do not encode it): a VP8L bitstream without
// transforms or colour cache whose five prefix codes each hold a single
// symbol, so every pixel takes zero bits.
func webpOf(w, h int) []byte {
	var bits bitWriter
	bits.write(0x2f, 8) // VP8L signature
	bits.write(uint32(w-1), 14)
	bits.write(uint32(h-1), 14)
	bits.write(0, 1) // alpha is not used
	bits.write(0, 3) // version 0
	bits.write(0, 1) // no transform
	bits.write(0, 1) // no colour cache
	bits.write(0, 1) // no meta prefix codes
	// Green, red, blue, alpha, distance: each a simple code of one 8-bit
	// symbol.
	for _, symbol := range []uint32{0x80, 0x40, 0x20, 0xff, 0} {
		bits.write(1, 1) // simple code
		bits.write(0, 1) // one symbol
		bits.write(1, 1) // of 8 bits
		bits.write(symbol, 8)
	}
	data := bits.bytes()
	pad := len(data) % 2
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(4+8+len(data)+pad))
	b.WriteString("WEBPVP8L")
	binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	if pad == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}

type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits uint
}

// write appends the n low bits of v, least significant first (VP8L order).
func (w *bitWriter) write(v uint32, n uint) {
	w.acc |= uint64(v&(1<<n-1)) << w.nbits
	w.nbits += n
	for w.nbits >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

func (w *bitWriter) bytes() []byte {
	if w.nbits > 0 {
		return append(w.buf, byte(w.acc))
	}
	return w.buf
}

// pngClaiming is a valid PNG whose header (with a correct CRC) claims
// w×h pixels while its data is that of a 1×1 image.
func pngClaiming(t *testing.T, w, h uint32) []byte {
	t.Helper()
	b := bytes.Clone(pngOf(t, 1, 1))
	// Signature (8), IHDR length (4), "IHDR" (4), width, height, …, CRC.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

var minimalPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

var exe = []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00\xb8\x00\x00\x00\x00\x00\x00\x00@\x00\x00\x00This program cannot be run in DOS mode.")

type zipEntry struct {
	name, body string
}

func zipOf(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const contentTypesXML = `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`

func docxOf(t *testing.T) []byte {
	return zipOf(t,
		zipEntry{"[Content_Types].xml", contentTypesXML},
		zipEntry{"word/document.xml", `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Hello</w:t></w:r></w:p></w:body></w:document>`},
	)
}

// docxBomb is a DOCX whose word/document.xml declares a terabyte and
// really inflates to 64 MiB (from about 64 KiB).
func docxBomb(t *testing.T) []byte {
	t.Helper()
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestCompression)
	fw.Write([]byte(`<?xml version="1.0"?><w:document>`))
	zeros := make([]byte, 1<<20)
	for range 64 {
		fw.Write(zeros)
	}
	fw.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("[Content_Types].xml")
	w.Write([]byte(contentTypesXML))
	w, err := zw.CreateRaw(&zip.FileHeader{
		Name:               "word/document.xml",
		Method:             zip.Deflate,
		CompressedSize64:   uint64(comp.Len()),
		UncompressedSize64: 1 << 40,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(comp.Bytes())
	zw.Close()
	return buf.Bytes()
}

// zipOfManyEntries holds word/document.xml among more entries than a DOCX
// is allowed.
func zipOfManyEntries(t *testing.T, n int) []byte {
	t.Helper()
	entries := []zipEntry{{"[Content_Types].xml", contentTypesXML}, {"word/document.xml", "<w:document/>"}}
	for i := range n {
		entries = append(entries, zipEntry{name: fmt.Sprintf("x/%d.xml", i)})
	}
	return zipOf(t, entries...)
}

// blockSized pads a zip (with its comment) or a JPEG (after its end) to a
// whole number of 4 KiB blocks, at least 8 of them.
func blockSized(t *testing.T, b []byte) []byte {
	t.Helper()
	pad := 8<<12 - len(b)%(4<<10)
	if len(b) > 8<<12 {
		pad = (4<<10 - len(b)%(4<<10)) % (4 << 10)
	}
	if bytes.HasPrefix(b, []byte("PK")) {
		// The end-of-central-directory record closes the file: its
		// comment length (its last two bytes, the comment being empty)
		// grows by pad, and the comment follows.
		out := bytes.Clone(b)
		n := binary.LittleEndian.Uint16(out[len(out)-2:])
		if n != 0 || pad > 0xffff {
			t.Fatalf("cannot pad this zip (comment %d, pad %d)", n, pad)
		}
		binary.LittleEndian.PutUint16(out[len(out)-2:], uint16(pad))
		return append(out, bytes.Repeat([]byte{' '}, pad)...)
	}
	return append(bytes.Clone(b), make([]byte, pad)...)
}

// jpegWithLongHeader is a w×h JPEG with an application segment of about
// extra bytes (split in segments of at most 64 KiB) before its frame
// header.
func jpegWithLongHeader(t *testing.T, w, h, extra int) []byte {
	t.Helper()
	src := jpegOf(t, w, h)
	out := append([]byte(nil), src[:2]...) // SOI
	for extra > 0 {
		n := min(extra, 0xfff0)
		out = append(out, 0xff, 0xe9, byte((n+2)>>8), byte(n+2))
		out = append(out, make([]byte, n)...)
		extra -= n
	}
	return append(out, src[2:]...)
}
