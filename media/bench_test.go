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
// UTF-8 check, verification, header decode; on local disk past the page
// cache, so it waits for the disk) and removes it.
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

// BenchmarkVerifyPNG verifies a 1 MB PNG as Stage does while it streams
// (CRCs of every chunk), from memory. Check itself then only reads the
// verdict.
func BenchmarkVerifyPNG(b *testing.B) {
	body := randomPNG(b, 512, 512)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if err := verifyImage(TypePNG, bytes.NewReader(body)); err != nil {
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
