package media

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"slices"
	"strings"
	"testing"

	"golang.org/x/image/draw"
)

// renderSmooth is a w×h picture with no detail finer than a few pixels
// (gradients and long waves), so that any good resampler agrees on it.
func renderSmooth(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			u, v := float64(x)/float64(w), float64(y)/float64(h)
			i := m.PixOffset(x, y)
			m.Pix[i+0] = uint8(30 + 190*u)
			m.Pix[i+1] = uint8(128 + 100*math.Sin(2*math.Pi*(u+v)))
			m.Pix[i+2] = uint8(128 + 100*math.Cos(3*math.Pi*v))
			m.Pix[i+3] = 255
		}
	}
	return m
}

// renderQuadrants is a w×h picture, as displayed, of four flat quadrants:
// red top left, green top right, blue bottom left, white bottom right.
func renderQuadrants(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := [4]color.NRGBA{{255, 0, 0, 255}, {0, 255, 0, 255}, {0, 0, 255, 255}, {255, 255, 255, 255}}[2*(2*y/h)+2*x/w]
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

// renderStored is the image a camera stores for displayed d under EXIF
// orientation o: the transform that turns it upright, undone.
func renderStored(d *image.NRGBA, o int) *image.NRGBA {
	w, h := d.Rect.Dx(), d.Rect.Dy()
	sw, sh := w, h
	if o >= 5 {
		sw, sh = h, w
	}
	s := image.NewNRGBA(image.Rect(0, 0, sw, sh))
	for y := range h {
		for x := range w {
			var sx, sy int
			switch o {
			case 1:
				sx, sy = x, y
			case 2: // mirrored left to right
				sx, sy = w-1-x, y
			case 3: // upside down
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored top to bottom
				sx, sy = x, h-1-y
			case 5: // transposed
				sx, sy = y, x
			case 6: // stored a quarter turn anticlockwise; shown turned clockwise
				sx, sy = y, w-1-x
			case 7: // transposed across the other diagonal
				sx, sy = h-1-y, w-1-x
			case 8: // stored a quarter turn clockwise
				sx, sy = h-1-y, x
			}
			s.SetNRGBA(sx, sy, d.NRGBAAt(x, y))
		}
	}
	return s
}

// renderQuadrantNames names the colours at the centres of img's
// quadrants: "RGBW" is upright.
func renderQuadrantNames(img image.Image) string {
	b := img.Bounds()
	var names strings.Builder
	for _, q := range [][2]int{{1, 1}, {3, 1}, {1, 3}, {3, 3}} {
		r, g, bl, _ := img.At(b.Min.X+q[0]*b.Dx()/4, b.Min.Y+q[1]*b.Dy()/4).RGBA()
		r, g, bl = r>>8, g>>8, bl>>8
		switch {
		case r > 200 && g > 200 && bl > 200:
			names.WriteByte('W')
		case r > 200 && g < 60 && bl < 60:
			names.WriteByte('R')
		case g > 200 && r < 60 && bl < 60:
			names.WriteByte('G')
		case bl > 200 && r < 60 && g < 60:
			names.WriteByte('B')
		default:
			names.WriteByte('?')
		}
	}
	return names.String()
}

func renderEncode(t *testing.T, img image.Image, contentType string) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	if contentType == TypePNG {
		err = png.Encode(&buf, img)
	} else {
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 95})
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func renderDecode(t *testing.T, data []byte) image.Image {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("rendition does not decode: %v", err)
	}
	return img
}

func renderDefaultPresets(t *testing.T) []Preset {
	t.Helper()
	presets, err := ParsePresets(DefaultPresets)
	if err != nil {
		t.Fatal(err)
	}
	return presets
}

func TestMakeRenditionsSizes(t *testing.T) {
	presets := renderDefaultPresets(t)
	for _, tc := range []struct {
		name        string
		w, h        int // stored
		orientation int
		input       string // content type of the original
		want        map[string][2]int
	}{
		{"landscape", 2000, 1200, 1, TypeJPEG, map[string][2]int{"thumb": {100, 100}, "small": {320, 192}, "medium": {640, 384}, "large": {1280, 768}}},
		{"portrait", 900, 1600, 1, TypeJPEG, map[string][2]int{"thumb": {100, 100}, "small": {320, 569}, "medium": {640, 1138}, "large": {900, 1600}}},
		{"square", 1000, 1000, 1, TypePNG, map[string][2]int{"thumb": {100, 100}, "small": {320, 320}, "medium": {640, 640}, "large": {1000, 1000}}},
		{"tiny", 50, 80, 1, TypePNG, map[string][2]int{"thumb": {50, 50}, "small": {50, 80}, "medium": {50, 80}, "large": {50, 80}}},
		{"exactly large", 1280, 720, 1, TypeJPEG, map[string][2]int{"thumb": {100, 100}, "small": {320, 180}, "medium": {640, 360}, "large": {1280, 720}}},
		{"exactly thumb", 100, 100, 1, TypePNG, map[string][2]int{"thumb": {100, 100}, "small": {100, 100}, "medium": {100, 100}, "large": {100, 100}}},
		{"300 wide", 300, 450, 1, TypeJPEG, map[string][2]int{"thumb": {100, 100}, "small": {300, 450}, "medium": {300, 450}, "large": {300, 450}}},
		{"turned", 1600, 1000, 6, TypeJPEG, map[string][2]int{"thumb": {100, 100}, "small": {320, 512}, "medium": {640, 1024}, "large": {1000, 1600}}},
		{"mirrored and turned", 1600, 1000, 7, TypePNG, map[string][2]int{"thumb": {100, 100}, "small": {320, 512}, "medium": {640, 1024}, "large": {1000, 1600}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			original := renderEncode(t, renderSmooth(tc.w, tc.h), tc.input)
			for _, out := range []string{TypeJPEG, TypePNG} {
				rs, placeholder, err := MakeRenditions(bytes.NewReader(original), tc.orientation, presets, out)
				if err != nil {
					t.Fatal(err)
				}
				if len(rs) != len(presets) {
					t.Fatalf("%d renditions for %d presets", len(rs), len(presets))
				}
				dw, dh := tc.w, tc.h
				if tc.orientation >= 5 {
					dw, dh = dh, dw
				}
				for i, r := range rs {
					want := tc.want[r.Preset.Name]
					if sw, sh := r.Preset.Size(dw, dh); sw != want[0] || sh != want[1] {
						t.Fatalf("test table disagrees with Preset.Size for %s: %dx%d", r.Preset.Name, sw, sh)
					}
					if r.Preset != presets[i] || r.Width != want[0] || r.Height != want[1] || r.ContentType != out {
						t.Errorf("%s as %s: got %s %dx%d %s, want %dx%d", r.Preset.Name, out, r.Preset.Name, r.Width, r.Height, r.ContentType, want[0], want[1])
					}
					img := renderDecode(t, r.Data)
					if b := img.Bounds(); b.Dx() != want[0] || b.Dy() != want[1] {
						t.Errorf("%s as %s: encoded %dx%d, want %dx%d", r.Preset.Name, out, b.Dx(), b.Dy(), want[0], want[1])
					}
					for _, q := range rs[:i] {
						if q.Width == r.Width && q.Height == r.Height && &q.Data[0] != &r.Data[0] {
							t.Errorf("%s and %s are both %dx%d but were encoded twice", q.Preset.Name, r.Preset.Name, r.Width, r.Height)
						}
					}
				}
				if !strings.HasPrefix(placeholder, "data:image/") {
					t.Errorf("placeholder %.40q", placeholder)
				}
			}
		})
	}
}

func TestRenderOrientation(t *testing.T) {
	displayed := renderQuadrants(64, 48)
	targets := []renderTarget{{32, 24, false}, {16, 16, true}, {64, 48, false}}
	for o := 1; o <= 8; o++ {
		stored := renderStored(displayed, o)
		for _, src := range []struct {
			name string
			img  image.Image
		}{
			{"NRGBA", stored},
			{"YCbCr", renderDecode(t, renderEncode(t, stored, TypeJPEG))},
		} {
			t.Run(fmt.Sprintf("%d/%s", o, src.name), func(t *testing.T) {
				for i, img := range renderImages(src.img, o, targets) {
					b := img.Bounds()
					if b.Dx() != targets[i].Width || b.Dy() != targets[i].Height {
						t.Errorf("target %v: got %dx%d", targets[i], b.Dx(), b.Dy())
					}
					if got := renderQuadrantNames(img); got != "RGBW" {
						t.Errorf("target %v: quadrants %s, want RGBW (upright)", targets[i], got)
					}
				}
			})
		}
		t.Run(fmt.Sprintf("%d/MakeRenditions", o), func(t *testing.T) {
			presets := []Preset{{Name: "thumb", Width: 20, Height: 20, Fit: FitCover}, {Name: "small", Width: 40, Fit: FitWidth}}
			rs, _, err := MakeRenditions(bytes.NewReader(renderEncode(t, stored, TypePNG)), o, presets, TypeJPEG)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if got := renderQuadrantNames(renderDecode(t, r.Data)); got != "RGBW" {
					t.Errorf("%s: quadrants %s, want RGBW (upright)", r.Preset.Name, got)
				}
			}
		})
	}
}

// renderAlphaDisc is a 400×400 opaque red disc on a transparent ground
// whose colour (green, invisible) must not bleed into the disc's rim, as it
// does when colours are averaged without weighing them by their alpha.
func renderAlphaDisc() *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, 400, 400))
	for y := range 400 {
		for x := range 400 {
			c := color.NRGBA{0, 255, 0, 0}
			if dx, dy := float64(x)-199.5, float64(y)-199.5; dx*dx+dy*dy < 150*150 {
				c = color.NRGBA{230, 20, 20, 255}
			}
			m.SetNRGBA(x, y, c)
		}
	}
	return m
}

func TestRenderAlpha(t *testing.T) {
	disc := renderAlphaDisc()
	original := renderEncode(t, disc, TypePNG)
	presets := []Preset{{Name: "thumb", Width: 100, Height: 100, Fit: FitCover}, {Name: "small", Width: 320, Fit: FitWidth}}
	targets := []renderTarget{{100, 100, true}, {320, 320, false}, {123, 123, false}}
	for _, tc := range []struct {
		contentType string
		ready       func(image.Image) image.Image // what encodeVariant encodes
		corner      func(color.NRGBA) bool
		rim         func(color.NRGBA) bool // every pixel before encoding, the rim's included
		want        string
	}{
		{TypePNG, pngReady, func(c color.NRGBA) bool { return c.A < 10 },
			func(c color.NRGBA) bool { return c.A < 10 || c.R > 220 && c.G < 30 && c.B < 30 }, "transparent, rim red"},
		// JPEG's own 4:2:0 chroma darkens a red rim; the check is on the
		// flattened pixels before encoding.
		{TypeJPEG, jpegReady, func(c color.NRGBA) bool { return c.R > 245 && c.G > 245 && c.B > 245 && c.A == 255 },
			func(c color.NRGBA) bool { return c.A == 255 && c.R >= 229 && c.G <= c.R && c.G == c.B }, "white, rim red to white"},
	} {
		t.Run(tc.contentType, func(t *testing.T) {
			rs, _, err := MakeRenditions(bytes.NewReader(original), 1, presets, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				img := renderDecode(t, r.Data)
				at := func(x, y int) color.NRGBA { return color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA) }
				if c := at(1, 1); !tc.corner(c) {
					t.Errorf("%s: corner %v, want %s", r.Preset.Name, c, tc.want)
				}
				if c := at(r.Width/2, r.Height/2); c.A != 255 || c.R < 200 || c.G > 60 {
					t.Errorf("%s: centre %v, want opaque red", r.Preset.Name, c)
				}
			}
			for _, img := range renderImages(disc, 1, targets) {
				img = tc.ready(img)
				b := img.Bounds()
			scan:
				for y := b.Min.Y; y < b.Max.Y; y++ {
					for x := b.Min.X; x < b.Max.X; x++ {
						if c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA); !tc.rim(c) {
							t.Errorf("%v: (%d, %d) is %v, want %s", b.Size(), x, y, c, tc.want)
							break scan
						}
					}
				}
			}
		})
	}
}

func TestPlaceholderURI(t *testing.T) {
	noise := image.NewNRGBA(image.Rect(0, 0, 600, 400))
	seed := uint32(1)
	for i := range noise.Pix {
		seed = seed*1664525 + 1013904223
		noise.Pix[i] = uint8(seed >> 24)
	}
	for _, tc := range []struct {
		name string
		img  image.Image
		w, h int
	}{
		{"smooth landscape", renderSmooth(600, 400), 12, 8},
		{"smooth portrait", renderSmooth(300, 900), 4, 12},
		{"noise with alpha", noise, 12, 8}, // compresses worst of all
		{"alpha disc", renderAlphaDisc(), 12, 12},
		{"gray", image.NewGray(image.Rect(0, 0, 500, 300)), 12, 7},
		{"already tiny", renderSmooth(6, 3), 6, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uri := placeholderURI(tc.img)
			if len(uri) > 1024 {
				t.Fatalf("%d bytes, want at most 1024", len(uri))
			}
			data, ok := strings.CutPrefix(uri, "data:image/png;base64,")
			if !ok {
				t.Fatalf("%.40q is not a PNG data: URI", uri)
			}
			raw, err := base64.StdEncoding.DecodeString(data)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			// The noise may need a smaller preview to fit; its aspect stays.
			if b := img.Bounds(); b.Dx() > tc.w || b.Dy() > tc.h || b.Dx()*tc.h != b.Dy()*tc.w && tc.name != "noise with alpha" {
				t.Errorf("%dx%d, want %dx%d", b.Dx(), b.Dy(), tc.w, tc.h)
			}
		})
	}
}

// renderMeanError is the mean absolute difference of a and b's 8-bit
// channels (premultiplied), and the largest.
func renderMeanError(a, b image.Image) (float64, int) {
	ab, bb := a.Bounds(), b.Bounds()
	var sum float64
	var worst int
	for y := range ab.Dy() {
		for x := range ab.Dx() {
			r1, g1, b1, a1 := a.At(ab.Min.X+x, ab.Min.Y+y).RGBA()
			r2, g2, b2, a2 := b.At(bb.Min.X+x, bb.Min.Y+y).RGBA()
			for _, d := range [4][2]uint32{{r1, r2}, {g1, g2}, {b1, b2}, {a1, a2}} {
				e := int(d[0]>>8) - int(d[1]>>8)
				e = max(e, -e)
				sum += float64(e)
				worst = max(worst, e)
			}
		}
	}
	return sum / float64(4*ab.Dx()*ab.Dy()), worst
}

func TestRenderQuality(t *testing.T) {
	smooth := renderSmooth(1200, 900)
	ycbcr := image.NewYCbCr(smooth.Rect, image.YCbCrSubsampleRatio444)
	for y := range 900 {
		for x := range 1200 {
			c := smooth.NRGBAAt(x, y)
			ycbcr.Y[ycbcr.YOffset(x, y)], ycbcr.Cb[ycbcr.COffset(x, y)], ycbcr.Cr[ycbcr.COffset(x, y)] = color.RGBToYCbCr(c.R, c.G, c.B)
		}
	}
	for _, tc := range []struct {
		name   string
		src    image.Image
		region image.Rectangle // the reference's source rectangle
		target renderTarget
	}{
		{"NRGBA fit", smooth, smooth.Rect, renderTarget{300, 225, false}},
		{"NRGBA fit, uneven", smooth, smooth.Rect, renderTarget{371, 278, false}},
		{"YCbCr fit", ycbcr, smooth.Rect, renderTarget{320, 240, false}},
		{"YCbCr cover", ycbcr, image.Rect(150, 0, 1050, 900), renderTarget{100, 100, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := renderImages(tc.src, 1, []renderTarget{tc.target})[0]
			rgba := image.NewRGBA(tc.src.Bounds())
			draw.Draw(rgba, rgba.Rect, tc.src, image.Point{}, draw.Src)
			want := image.NewRGBA(image.Rect(0, 0, tc.target.Width, tc.target.Height))
			draw.CatmullRom.Scale(want, want.Rect, rgba, tc.region, draw.Src, nil)
			// Away from the edges, where CatmullRom clamps differently.
			inner := image.Rect(2, 2, tc.target.Width-2, tc.target.Height-2)
			mean, worst := renderMeanError(renderSub(got, inner), want.SubImage(inner))
			t.Logf("%.3f levels from CatmullRom on average, %d at worst", mean, worst)
			if mean > 0.5 || worst > 3 {
				t.Errorf("differs from x/image/draw CatmullRom by %.2f levels on average, %d at worst; want at most 0.5 and 3", mean, worst)
			}
		})
	}
}

func renderSub(img image.Image, r image.Rectangle) image.Image {
	return img.(interface {
		SubImage(image.Rectangle) image.Image
	}).SubImage(r)
}

// TestRenderAliasing scales fine checkerboards by about 8: an area average
// makes flat mid-grey of them, where a sampling resampler (nearest
// neighbour, or bilinear on 2×2 pixels) makes black, white or moiré.
func TestRenderAliasing(t *testing.T) {
	flatGrey := func(img image.Image) error {
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				for _, v := range []uint32{r >> 8, g >> 8, bl >> 8} {
					if v < 124 || v > 131 {
						return fmt.Errorf("(%d, %d) is %d, want 128±4", x, y, v)
					}
				}
			}
		}
		return nil
	}
	for _, size := range []int{800, 803, 797} {
		gray := image.NewGray(image.Rect(0, 0, size, size))
		nrgba := image.NewNRGBA(gray.Rect)
		ycbcr := image.NewYCbCr(gray.Rect, image.YCbCrSubsampleRatio420)
		for i := range ycbcr.Cb {
			ycbcr.Cb[i], ycbcr.Cr[i] = 128, 128
		}
		for y := range size {
			for x := range size {
				v := uint8(255 * ((x + y) % 2))
				gray.SetGray(x, y, color.Gray{v})
				nrgba.SetNRGBA(x, y, color.NRGBA{v, v, v, 255})
				ycbcr.Y[ycbcr.YOffset(x, y)] = v
			}
		}
		for _, src := range []image.Image{gray, nrgba, ycbcr} {
			name := fmt.Sprintf("%d/%T", size, src)
			t.Run(name, func(t *testing.T) {
				got := renderImages(src, 1, []renderTarget{{100, 100, false}, {50, 50, true}})
				for _, img := range got {
					if err := flatGrey(img); err != nil {
						t.Errorf("%v: %v", img.Bounds().Size(), err)
					}
				}
			})
		}
		if size == 800 { // the check has teeth
			nearest := image.NewRGBA(image.Rect(0, 0, 100, 100))
			draw.NearestNeighbor.Scale(nearest, nearest.Rect, nrgba, nrgba.Rect, draw.Src, nil)
			if flatGrey(nearest) == nil {
				t.Error("nearest neighbour passes the aliasing check")
			}
		}
	}
}

// TestRenderDecodedTypes renders every image type a decoder returns (and a
// few more) and compares the result with the same picture rendered from
// an RGBA copy, read through At.
func TestRenderDecodedTypes(t *testing.T) {
	const w, h = 241, 163 // odd: chroma planes have a half-covered edge
	smooth := renderSmooth(w, h)
	for y := range h { // some transparency, for the types that carry it
		for x := range w / 3 {
			smooth.Pix[smooth.PixOffset(x, y)+3] = uint8(255 * x / (w / 3))
		}
	}
	ycbcr := func(ratio image.YCbCrSubsampleRatio) image.Image {
		m := image.NewYCbCr(smooth.Rect, ratio)
		for y := range h {
			for x := range w {
				c := smooth.NRGBAAt(x, y)
				yy, cb, cr := color.RGBToYCbCr(c.R, c.G, c.B)
				m.Y[m.YOffset(x, y)], m.Cb[m.COffset(x, y)], m.Cr[m.COffset(x, y)] = yy, cb, cr
			}
		}
		return m
	}
	nycbcra := image.NewNYCbCrA(smooth.Rect, image.YCbCrSubsampleRatio420)
	nycbcra.YCbCr = *ycbcr(image.YCbCrSubsampleRatio420).(*image.YCbCr)
	for y := range h {
		for x := range w {
			nycbcra.A[nycbcra.AOffset(x, y)] = smooth.NRGBAAt(x, y).A
		}
	}
	convert := func(m draw.Image) image.Image {
		draw.Draw(m, m.Bounds(), smooth, image.Point{}, draw.Src)
		return m
	}
	sources := map[string]image.Image{
		"YCbCr 4:2:0":  ycbcr(image.YCbCrSubsampleRatio420),
		"YCbCr 4:4:4":  ycbcr(image.YCbCrSubsampleRatio444),
		"YCbCr 4:2:2":  ycbcr(image.YCbCrSubsampleRatio422),
		"YCbCr 4:4:0":  ycbcr(image.YCbCrSubsampleRatio440),
		"YCbCr 4:1:1":  ycbcr(image.YCbCrSubsampleRatio411),
		"NYCbCrA":      nycbcra,
		"NRGBA":        smooth,
		"RGBA":         convert(image.NewRGBA(smooth.Rect)),
		"NRGBA64":      convert(image.NewNRGBA64(smooth.Rect)),
		"RGBA64":       convert(image.NewRGBA64(smooth.Rect)),
		"Gray":         convert(image.NewGray(smooth.Rect)),
		"Gray16":       convert(image.NewGray16(smooth.Rect)),
		"CMYK":         convert(image.NewCMYK(smooth.Rect)),
		"Paletted":     convert(image.NewPaletted(smooth.Rect, palette.Plan9)),
		"Alpha (At)":   convert(image.NewAlpha(smooth.Rect)),
		"YCbCr offset": renderSub(ycbcr(image.YCbCrSubsampleRatio420), image.Rect(1, 3, w, h)),
	}
	targets := []renderTarget{{60, 40, false}, {30, 30, true}, {240, 162, false}}
	for name, src := range sources {
		t.Run(name, func(t *testing.T) {
			rgba := image.NewRGBA(src.Bounds())
			draw.Draw(rgba, rgba.Rect, src, rgba.Rect.Min, draw.Src)
			want := renderImages(rgba, 6, targets)
			for i, got := range renderImages(src, 6, targets) {
				if b := got.Bounds(); b.Dx() != targets[i].Width || b.Dy() != targets[i].Height {
					t.Fatalf("target %v: %dx%d", targets[i], b.Dx(), b.Dy())
				}
				// 8-bit premultiplied intermediates (RGBA, the copy) and
				// YCbCr rounding differ by a level or two.
				mean, worst := renderMeanError(got, want[i])
				t.Logf("target %v: %.3f levels from the RGBA copy's on average, %d at worst", targets[i], mean, worst)
				if mean > 0.5 || worst > 3 {
					t.Errorf("target %v: %.2f levels from the RGBA copy's on average, %d at worst", targets[i], mean, worst)
				}
				for _, ct := range []string{TypeJPEG, TypePNG} {
					var buf bytes.Buffer
					if err := encodeVariant(&buf, got, ct); err != nil {
						t.Fatal(err)
					}
					renderDecode(t, buf.Bytes())
				}
			}
		})
	}
}

// TestRenderExactSize checks that a target of the image's own size copies
// it: no blur from a resampler that does not line up with the pixels.
func TestRenderExactSize(t *testing.T) {
	smooth := renderSmooth(120, 80)
	gray := image.NewGray(smooth.Rect)
	draw.Draw(gray, gray.Rect, smooth, image.Point{}, draw.Src)
	ycbcr := image.NewYCbCr(smooth.Rect, image.YCbCrSubsampleRatio444)
	for i := range ycbcr.Y {
		ycbcr.Y[i], ycbcr.Cb[i], ycbcr.Cr[i] = uint8(i), uint8(i*7), uint8(i*13)
	}
	for _, src := range []image.Image{smooth, gray, ycbcr} {
		got := renderImages(src, 1, []renderTarget{{120, 80, false}})[0]
		if mean, worst := renderMeanError(got, src); worst != 0 {
			t.Errorf("%T: %.2f levels off on average, %d at worst", src, mean, worst)
		}
	}
}

// renderWebP is a w×h lossless WebP of one colour, written by hand (Go has
// no WebP encoder).
func renderWebP(w, h int, c color.NRGBA) []byte {
	var bits []byte
	var acc uint64
	var n uint
	write := func(v uint64, width uint) {
		acc |= v << n
		n += width
		for n >= 8 {
			bits = append(bits, byte(acc))
			acc >>= 8
			n -= 8
		}
	}
	write(0x2f, 8) // VP8L signature
	write(uint64(w-1), 14)
	write(uint64(h-1), 14)
	write(0, 1) // alpha unused
	write(0, 3) // version
	write(0, 1) // no transform
	write(0, 1) // no colour cache
	write(0, 1) // no meta prefix codes
	// Green, red, blue, alpha, distance: one 8-bit symbol each.
	for _, symbol := range []uint8{c.G, c.R, c.B, c.A, 0} {
		write(1, 1)
		write(0, 1)
		write(1, 1)
		write(uint64(symbol), 8)
	}
	if n > 0 {
		bits = append(bits, byte(acc))
	}
	if len(bits)%2 == 1 {
		bits = append(bits, 0)
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	binary.Write(&b, binary.LittleEndian, uint32(12+len(bits)))
	b.WriteString("WEBPVP8L")
	binary.Write(&b, binary.LittleEndian, uint32(len(bits)))
	b.Write(bits)
	return b.Bytes()
}

func TestMakeRenditionsInputs(t *testing.T) {
	presets := []Preset{{Name: "thumb", Width: 100, Height: 100, Fit: FitCover}, {Name: "small", Width: 320, Fit: FitWidth}}
	twoFrames := &gif.GIF{
		Image: []*image.Paletted{
			image.NewPaletted(image.Rect(0, 0, 400, 300), color.Palette{color.RGBA{0, 0, 255, 255}}),
			image.NewPaletted(image.Rect(0, 0, 400, 300), color.Palette{color.RGBA{255, 0, 0, 255}}),
		},
		Delay: []int{10, 10},
	}
	var animated bytes.Buffer
	if err := gif.EncodeAll(&animated, twoFrames); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		data []byte
		want color.NRGBA
	}{
		{"GIF, first frame", animated.Bytes(), color.NRGBA{0, 0, 255, 255}},
		{"WebP", renderWebP(400, 300, color.NRGBA{200, 100, 50, 255}), color.NRGBA{200, 100, 50, 255}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rs, _, err := MakeRenditions(bytes.NewReader(tc.data), 1, presets, TypePNG)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				got := color.NRGBAModel.Convert(renderDecode(t, r.Data).At(r.Width/2, r.Height/2)).(color.NRGBA)
				if got != tc.want {
					t.Errorf("%s: %v, want %v", r.Preset.Name, got, tc.want)
				}
			}
		})
	}
}

func TestMakeRenditionsErrors(t *testing.T) {
	presets := []Preset{{Name: "small", Width: 320, Fit: FitWidth}}
	good := renderEncode(t, renderSmooth(400, 300), TypePNG)
	for _, tc := range []struct {
		name        string
		data        []byte
		contentType string
		is          error
	}{
		{"not an image", []byte("%PDF-1.4 nothing to see"), TypeJPEG, image.ErrFormat},
		{"truncated", good[:len(good)/2], TypeJPEG, nil},
		{"WebP out", good, TypeWebP, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := MakeRenditions(bytes.NewReader(tc.data), 1, presets, tc.contentType)
			if err == nil || !strings.HasPrefix(err.Error(), "media: ") || tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v, want one starting with media: (and wrapping %v)", err, tc.is)
			}
		})
	}
}

// TestRenderTallRun averages more rows into one output row than 32-bit
// row sums hold.
func TestRenderTallRun(t *testing.T) {
	tall := image.NewGray(image.Rect(0, 0, 2, 140000))
	for i := range tall.Pix {
		tall.Pix[i] = 200
	}
	got := renderImages(tall, 1, []renderTarget{{1, 1, false}, {2, 2, false}})
	for _, img := range got {
		if v := img.(*image.Gray).Pix[0]; v != 200 {
			t.Errorf("%v: %d, want 200", img.Bounds().Size(), v)
		}
	}
}

// TestRenderOwnSizeFrame: a rendition of the whole image at its own size
// is the decoded frame, not a resampled copy of it: the same pixels
// upright, its chroma as subsampled, whatever the orientation, for every
// subsampling (4:1:1 turned a quarter, and odd sides, go through 4:4:4 and
// must still come out exact).
func TestRenderOwnSizeFrame(t *testing.T) {
	for _, ratio := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio420, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio440,
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio411,
	} {
		for _, size := range [][2]int{{64, 48}, {63, 47}} {
			w, h := size[0], size[1]
			src := image.NewYCbCr(image.Rect(0, 0, w, h), ratio)
			for i := range src.Y {
				src.Y[i] = uint8(i * 7)
			}
			for i := range src.Cb {
				src.Cb[i], src.Cr[i] = uint8(i*13), uint8(i*29)
			}
			for o := 1; o <= 8; o++ {
				t.Run(fmt.Sprintf("%v/%dx%d/%d", ratio, w, h, o), func(t *testing.T) {
					dw, dh := w, h
					if o >= 5 {
						dw, dh = h, w
					}
					got := renderImages(src, o, []renderTarget{{dw, dh, false}})[0]
					if o == 1 && got != image.Image(src) {
						t.Errorf("upright: a %T, not the frame itself", got)
					}
					hx, vy, _ := chromaFactors(ratio)
					want, ok := ratio, true
					if o >= 5 {
						want, ok = subsampleRatio(vy, hx)
					}
					if ok && w%hx == 0 && h%vy == 0 {
						if m, ok := got.(*image.YCbCr); !ok || m.SubsampleRatio != want {
							t.Errorf("a %T, want a YCbCr %v: the chroma turned as it is, not through 4:4:4", got, want)
						}
					}
					upright := renderStored(renderNRGBA(src), renderInverse(o))
					if b := got.Bounds(); b.Dx() != dw || b.Dy() != dh {
						t.Fatalf("%dx%d, want %dx%d", b.Dx(), b.Dy(), dw, dh)
					}
					if mean, worst := renderMeanError(got, upright); worst != 0 {
						t.Errorf("%.2f levels off on average, %d at worst; want the frame's pixels exactly", mean, worst)
					}
				})
			}
		}
	}
}

// renderNRGBA is img converted through At.
func renderNRGBA(img image.Image) *image.NRGBA {
	b := img.Bounds()
	m := image.NewNRGBA(image.Rect(0, 0, b.Dx(), b.Dy()))
	for y := range b.Dy() {
		for x := range b.Dx() {
			m.Set(x, y, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return m
}

// renderInverse is the orientation whose stored image (renderStored) of a
// picture is that picture turned upright for o: o itself, but for the
// quarter turns, which are each other's inverse.
func renderInverse(o int) int {
	switch o {
	case 6:
		return 8
	case 8:
		return 6
	}
	return o
}

// TestMakeRenditionsOwnSize: the variant of an image no wider than the
// largest preset, at its own size, is the original's pixels re-encoded
// (upright for a turned one), not a resampled copy.
func TestMakeRenditionsOwnSize(t *testing.T) {
	presets := renderDefaultPresets(t)
	displayed := renderSmooth(600, 400)
	for _, o := range []int{1, 3, 6, 8} {
		t.Run(fmt.Sprint(o), func(t *testing.T) {
			original := renderEncode(t, renderStored(displayed, o), TypeJPEG)
			rs, _, err := MakeRenditions(bytes.NewReader(original), o, presets, TypeJPEG)
			if err != nil {
				t.Fatal(err)
			}
			large := rs[len(rs)-1]
			if large.Width != 600 || large.Height != 400 {
				t.Fatalf("large %dx%d, want the image's own 600x400", large.Width, large.Height)
			}
			decoded := renderDecode(t, original)
			want := renderStored(renderNRGBA(decoded), renderInverse(o))
			mean, worst := renderMeanError(renderDecode(t, large.Data), want)
			t.Logf("%.3f levels from the decoded original on average, %d at worst", mean, worst)
			// Quality 80 against the original's own decode: the
			// re-encoding's error alone.
			if mean > 1.5 || worst > 16 {
				t.Errorf("%.2f levels from the decoded original on average, %d at worst; want at most 1.5 and 16", mean, worst)
			}
		})
	}
	quadrants := renderQuadrants(640, 480)
	for o := 1; o <= 8; o++ {
		original := renderEncode(t, renderStored(quadrants, o), TypeJPEG)
		rs, _, err := MakeRenditions(bytes.NewReader(original), o, presets, TypeJPEG)
		if err != nil {
			t.Fatal(err)
		}
		if got := renderQuadrantNames(renderDecode(t, rs[len(rs)-1].Data)); got != "RGBW" {
			t.Errorf("orientation %d: own-size quadrants %s, want RGBW (upright)", o, got)
		}
	}
}

// TestMakeRenditionsHandsOver: each preset's variant is handed over once,
// the thumbnail and the small width first (a first GET mostly waits for
// those), the same as MakeRenditions returns.
func TestMakeRenditionsHandsOver(t *testing.T) {
	presets := renderDefaultPresets(t)
	original := renderEncode(t, renderSmooth(2000, 1500), TypeJPEG)
	want, _, err := MakeRenditions(bytes.NewReader(original), 1, presets, TypeJPEG)
	if err != nil {
		t.Fatal(err)
	}
	var order []string
	placeholder, err := makeRenditions(bytes.NewReader(original), 1, presets, TypeJPEG, func(i int, r Rendition) {
		order = append(order, r.Preset.Name)
		if r.Preset != presets[i] || r.Width != want[i].Width || r.Height != want[i].Height || !bytes.Equal(r.Data, want[i].Data) {
			t.Errorf("%s: handed over %dx%d (%d bytes), want %dx%d (%d bytes)", presets[i].Name, r.Width, r.Height, len(r.Data), want[i].Width, want[i].Height, len(want[i].Data))
		}
	})
	if err != nil || !strings.HasPrefix(placeholder, "data:image/png") {
		t.Fatalf("placeholder %.30q, %v", placeholder, err)
	}
	// The encodes run at once on every core: thumb and small are handed
	// over first, in either order.
	if first := slices.Sorted(slices.Values(order[:min(2, len(order))])); len(order) != len(presets) || !slices.Equal(first, []string{"small", "thumb"}) {
		t.Errorf("handed over %v, want each once, thumb and small first", order)
	}
	if got := encodeOrder([]renderTarget{{1280, 853, false}, {100, 100, true}, {640, 427, false}, {320, 213, false}}); !slices.Equal(got, []int{1, 3, 0, 2}) {
		t.Errorf("encodeOrder %v, want the thumbnail, the small width, then the largest first", got)
	}
	for _, c := range []struct {
		w, h int
		want [][]int
	}{
		{1000, 1000, [][]int{{0, 1, 4}, {2, 3}}}, // the frame as cheap to read as the 640 one: the small ones first
		{1600, 1200, [][]int{{0, 1, 2, 3, 4}}},   // the small ones from the 640 one
		{6000, 4000, [][]int{{0, 1, 2, 3, 4}}},
		{600, 400, [][]int{{0, 1, 2, 3, 4}}}, // nothing larger to wait for but the frame itself
	} {
		var targets []renderTarget
		for _, p := range presets {
			w, h := p.Size(c.w, c.h)
			targets = append(targets, renderTarget{w, h, p.Fit == FitCover})
		}
		pw, ph := placeholderSize(c.w, c.h)
		targets = append(targets, renderTarget{Width: pw, Height: ph})
		if got := renderBatches(targets, c.w*c.h); !slices.EqualFunc(got, c.want, slices.Equal) {
			t.Errorf("%dx%d: batches %v, want %v", c.w, c.h, got, c.want)
		}
	}
	// Made in two batches, the variants are those of one.
	original = renderEncode(t, renderSmooth(1000, 1000), TypeJPEG)
	rs, _, err := MakeRenditions(bytes.NewReader(original), 1, presets, TypeJPEG)
	if err != nil {
		t.Fatal(err)
	}
	src := renderDecode(t, original)
	for _, r := range rs {
		alone := renderImages(src, 1, []renderTarget{{r.Width, r.Height, r.Preset.Fit == FitCover}})[0]
		var want bytes.Buffer
		if err := encodeVariant(&want, alone, TypeJPEG); err != nil {
			t.Fatal(err)
		}
		mean, worst := renderMeanError(renderDecode(t, r.Data), renderDecode(t, want.Bytes()))
		t.Logf("%s: %.3f levels from the same made alone on average, %d at worst", r.Preset.Name, mean, worst)
		// The thumbnail comes from the small one (a cascade), which
		// differs by a level here and there; quantised, by a few more.
		if mean > 0.5 || worst > 16 {
			t.Errorf("%s: %.2f levels from the same made alone on average, %d at worst; want at most 0.5 and 16", r.Preset.Name, mean, worst)
		}
	}
}
