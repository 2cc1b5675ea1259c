package media

import (
	"bytes"
	"image"
	"image/jpeg"
	"math"
	"sync"
	"testing"
)

// renderPhoto24MP is a 6000×4000 JPEG (quality 90) that compresses like a
// photograph (about 7 MB): smooth gradients, mid-scale value noise, hard
// edges and per-pixel grain. Made once: encoding it takes seconds.
var renderPhoto24MP = sync.OnceValue(func() []byte { return renderPhotoJPEG(6000, 4000, 90) })

// renderPhotoJPEG draws the photo-like texture at w×h and encodes it.
func renderPhotoJPEG(w, h, quality int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	const cell = 150 // value noise grid, in pixels
	gw, gh := w/cell+2, h/cell+2
	grid := make([]float64, gw*gh)
	seed := uint64(88172645463325252)
	next := func() uint64 {
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return seed
	}
	for i := range grid {
		grid[i] = float64(next()>>40)/float64(1<<24)*2 - 1
	}
	var wg sync.WaitGroup
	const workers = 4
	for k := range workers {
		wg.Go(func() {
			for y := k; y < h; y += workers {
				rnd := uint64(y)*0x9E3779B97F4A7C15 + 1
				v := float64(y) / float64(h)
				gy := float64(y) / cell
				iy, ty := int(gy), gy-math.Floor(gy)
				row := img.Pix[y*img.Stride:]
				for x := range w {
					u := float64(x) / float64(w)
					gx := float64(x) / cell
					ix, tx := int(gx), gx-math.Floor(gx)
					a := grid[iy*gw+ix]*(1-tx) + grid[iy*gw+ix+1]*tx
					b := grid[(iy+1)*gw+ix]*(1-tx) + grid[(iy+1)*gw+ix+1]*tx
					n := 40 * (a*(1-ty) + b*ty)
					rnd ^= rnd << 13
					rnd ^= rnd >> 7
					rnd ^= rnd << 17
					grain := float64(rnd&0xFF)/255*24 - 12
					r := 60 + 150*u + n + grain
					g := 200 - 120*v + n + grain
					bl := 90 + 100*u*v - n + grain
					if (x+y)%97 < 2 { // thin lines: detail that aliases if sampled badly
						r, g, bl = r+60, g+60, bl+60
					}
					row[4*x], row[4*x+1], row[4*x+2], row[4*x+3] = renderClamp(r), renderClamp(g), renderClamp(bl), 255
				}
			}
		})
	}
	wg.Wait()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

func renderClamp(v float64) uint8 { return uint8(max(0, min(255, v+0.5))) }

// BenchmarkMakeRenditions makes the four default presets of a 24 MP JPEG
// from one decode; decode is image/jpeg alone (the floor), thumb the
// 100×100 cover preset alone, large the 1280 one alone.
func BenchmarkMakeRenditions(b *testing.B) {
	data := renderPhoto24MP()
	all, err := ParsePresets(DefaultPresets)
	if err != nil {
		b.Fatal(err)
	}
	byName := func(name string) []Preset {
		for _, p := range all {
			if p.Name == name {
				return []Preset{p}
			}
		}
		b.Fatalf("no preset %s", name)
		return nil
	}
	b.Run("decode", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			if _, err := jpeg.Decode(bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("render", func(b *testing.B) { // resampling alone, from a decoded frame
		src, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		var targets []renderTarget
		for _, p := range all {
			w, h := p.Size(6000, 4000)
			targets = append(targets, renderTarget{w, h, p.Fit == FitCover})
		}
		b.ReportAllocs()
		for b.Loop() {
			renderImages(src, 1, targets)
		}
	})
	for _, bc := range []struct {
		name    string
		presets []Preset
	}{
		{"all4", all},
		{"thumb", byName("thumb")},
		{"large", byName("large")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, _, err := MakeRenditions(bytes.NewReader(data), 1, bc.presets, TypeJPEG); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
