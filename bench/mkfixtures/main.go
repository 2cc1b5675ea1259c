// Command mkfixtures writes the files every system under test receives, so
// that each gets the same bytes (bench/run.sh builds the multipart bodies
// around them):
//
//	png1mb.png    random-pixel PNG, 577×577, ≈ 1,000,000 bytes (does not compress)
//	png20mb.png   random-pixel PNG, 2582×2582, ≈ 20,000,000 bytes (the peers' 20 MB upload)
//	doc20mb.pdf   "%PDF-1.4\n", random padding, "%%EOF\n": exactly 20,000,000 bytes
//	doc100kb.txt  100,000 bytes of text (the media GET file)
//	seed.png      300×300 grey PNG (the list scenario's seeded images)
//
//	go run ./bench/mkfixtures -dir DIR
package main

import (
	"bytes"
	"flag"
	"fmt"
	"image"
	"image/png"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
)

func main() {
	dir := flag.String("dir", ".", "where to write the fixtures")
	flag.Parse()
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		log.Fatal(err)
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(*dir, name), b, 0o644); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-14s %11d bytes\n", name, len(b))
	}
	write("png1mb.png", randomPNG(577, 1))
	write("png20mb.png", randomPNG(2582, 2))

	const pdfSize = 20_000_000
	pdf := bytes.NewBufferString("%PDF-1.4\n")
	pad := make([]byte, pdfSize-pdf.Len()-len("%%EOF\n"))
	fill(pad, 3)
	pdf.Write(pad)
	pdf.WriteString("%%EOF\n")
	write("doc20mb.pdf", pdf.Bytes())

	line := []byte("The quick brown fox jumps over the lazy dog. 0123456789 abcdefghijklmnopqrstuvwxyz\n")
	txt := bytes.Repeat(line, 100_000/len(line)+1)[:100_000]
	txt[len(txt)-1] = '\n'
	write("doc100kb.txt", txt)

	grey := image.NewGray(image.Rect(0, 0, 300, 300))
	for i := range grey.Pix {
		grey.Pix[i] = uint8(i / 300)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, grey); err != nil {
		log.Fatal(err)
	}
	write("seed.png", b.Bytes())
}

// randomPNG is an opaque side×side image of random pixels: Go encodes it as
// 8-bit RGB, about 3 bytes a pixel, and random pixels do not compress.
func randomPNG(side int, seed uint64) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, side, side))
	fill(img.Pix, seed)
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.NoCompression}
	if err := enc.Encode(&b, img); err != nil {
		log.Fatal(err)
	}
	return b.Bytes()
}

func fill(p []byte, seed uint64) {
	r := rand.NewChaCha8([32]byte{byte(seed)})
	r.Read(p)
}
