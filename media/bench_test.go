package media

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"math/rand"
	"testing"
)

// randomPNG is a w×h PNG of random pixels (it does not compress: about
// 4 bytes a pixel).
func randomPNG(b testing.TB, w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rand.New(rand.NewSource(1)).Read(img.Pix)
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

// BenchmarkStage streams a 1 MB PNG into a staged file (hash, sniff,
// UTF-8 check, header decode) and removes it.
func BenchmarkStage(b *testing.B) {
	body := randomPNG(b, 512, 512)
	s, err := Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		st, err := s.Stage(context.Background(), bytes.NewReader(body), "a.png", 10<<20)
		if err != nil {
			b.Fatal(err)
		}
		st.Close()
	}
}

// BenchmarkCheckPNG verifies a staged 1 MB PNG against the product image
// rule (header, then CRCs of every chunk).
func BenchmarkCheckPNG(b *testing.B) {
	body := randomPNG(b, 512, 512)
	s, err := Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	st, err := s.Stage(context.Background(), bytes.NewReader(body), "a.png", 10<<20)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	rule := ImageRule("ProductImage.image", 10<<20, 300, 300, 40_000_000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := s.Check(context.Background(), rule, st); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStageAndPut is the whole durable write path of a 1 MB upload
// on local disk: stage, fsync, rename, fsync the directory.
func BenchmarkStageAndPut(b *testing.B) {
	body := randomPNG(b, 512, 512)
	s, err := Open(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		st, err := s.Stage(context.Background(), bytes.NewReader(body), "a.png", 10<<20)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := s.Put(context.Background(), "products/images/", st); err != nil {
			b.Fatal(err)
		}
	}
}
