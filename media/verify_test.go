package media

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// tinyWebP is a valid 1×1 lossless WebP.
var tinyWebP = []byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00")

func encoded(t *testing.T, enc func(*bytes.Buffer, image.Image) error) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 48))
	for i := range img.Pix {
		img.Pix[i] = byte(i*31 + i/7)
	}
	img.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := enc(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestVerifyImage: whole images pass; damaged or truncated ones are
// INVALID_IMAGE, found without decoding pixels (PNG CRCs, JPEG segments,
// WebP chunk sizes) or by decoding (GIF).
func TestVerifyImage(t *testing.T) {
	pngB := encoded(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) })
	jpgB := encoded(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) })
	gifB := encoded(t, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) })
	flip := func(b []byte, i int) []byte {
		c := bytes.Clone(b)
		c[i] ^= 0x55
		return c
	}
	idat := bytes.Index(pngB, []byte("IDAT"))
	webpBadSize := bytes.Clone(tinyWebP)
	webpBadSize[4] = 0x40
	// Larger than a read-ahead buffer: verified across several chunks as
	// it streams.
	noise := image.NewRGBA(image.Rect(0, 0, 400, 400))
	for i := range noise.Pix {
		noise.Pix[i] = byte(i*7919>>3 ^ i>>11)
	}
	var big bytes.Buffer
	if err := png.Encode(&big, noise); err != nil {
		t.Fatal(err)
	}
	bigPNG := big.Bytes()
	if len(bigPNG) < 3*readAheadSize {
		t.Fatalf("large PNG is %d bytes, want several read-ahead buffers", len(bigPNG))
	}
	tests := []struct {
		name, contentType string
		body              []byte
		ok                bool
	}{
		{"png", TypePNG, pngB, true},
		{"jpeg", TypeJPEG, jpgB, true},
		{"gif", TypeGIF, gifB, true},
		{"webp", TypeWebP, tinyWebP, true},
		{"png with a damaged IDAT byte (CRC mismatch)", TypePNG, flip(pngB, idat+10), false},
		{"png cut in its data", TypePNG, pngB[:idat+20], false},
		{"png without IEND", TypePNG, pngB[:len(pngB)-12], false},
		{"png with trailing HTML (polyglot) still whole", TypePNG, append(bytes.Clone(pngB), "<html>"...), true},
		{"jpeg cut before its end", TypeJPEG, jpgB[:len(jpgB)/2], false},
		{"jpeg without EOI", TypeJPEG, jpgB[:len(jpgB)-2], false},
		{"jpeg header only", TypeJPEG, jpgB[:200], false},
		{"gif cut", TypeGIF, gifB[:len(gifB)/2], false},
		{"webp with a wrong RIFF size", TypeWebP, webpBadSize, false},
		{"webp cut", TypeWebP, tinyWebP[:len(tinyWebP)-4], false},
		{"webp with trailing bytes", TypeWebP, append(bytes.Clone(tinyWebP), "abc"...), false},
		{"webp with a trailing chunk", TypeWebP, append(bytes.Clone(tinyWebP), "EXIF\x02\x00\x00\x00ab"...), false},
		{"large png", TypePNG, bigPNG, true},
		{"large png damaged in its last chunk", TypePNG, flip(bigPNG, len(bigPNG)-100), false},
		{"large png cut", TypePNG, bigPNG[:len(bigPNG)-readAheadSize], false},
	}
	s, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	rule := ImageRule("img", 1<<20, 1, 1, 0)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := verifyImage(tc.contentType, bytes.NewReader(tc.body))
			if (err == nil) != tc.ok {
				t.Fatalf("verifyImage = %v, want ok=%v", err, tc.ok)
			}
			// The same verdict whatever the bytes' split: one at a time,
			// and in pieces of varied sizes.
			if c := newImageChecker(tc.contentType); c != nil {
				for i := range tc.body {
					c.write(tc.body[i : i+1])
				}
				if err := c.close(); (err == nil) != tc.ok {
					t.Errorf("byte by byte: %v, want ok=%v", err, tc.ok)
				}
				c = newImageChecker(tc.contentType)
				for rest, n := tc.body, 1; len(rest) > 0; n = n*7%1021 + 1 {
					k := min(n, len(rest))
					c.write(rest[:k])
					rest = rest[k:]
				}
				if err := c.close(); (err == nil) != tc.ok {
					t.Errorf("in pieces: %v, want ok=%v", err, tc.ok)
				}
			}
			// Through the store: sniffing, header and verification together.
			st, err := s.Stage(context.Background(), bytes.NewReader(tc.body), "x", 1<<20)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			// Verified while staged (no read-back), GIF excepted: it is
			// decoded after staging, under the decode budget.
			if want := map[bool]string{true: tc.contentType}[tc.contentType != TypeGIF]; st.verifiedAs != want {
				t.Errorf("verified while staged as %q, want %q", st.verifiedAs, want)
			}
			err = s.Check(context.Background(), rule, st)
			if tc.ok && err != nil {
				t.Fatalf("Check refused a whole %s: %v", tc.contentType, err)
			}
			if !tc.ok {
				verr, isV := err.(*ValidationError)
				if !isV || verr.Code != CodeInvalidImage {
					t.Fatalf("Check = %v, want INVALID_IMAGE", err)
				}
			}
		})
	}
}
