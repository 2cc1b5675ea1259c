package media

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/gif" // decoders MakeRenditions accepts
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	_ "golang.org/x/image/webp"
)

// Renditions are made in pure Go from one decode of the original. Go's
// image/jpeg cannot decode at a reduced scale the way libjpeg does, so the
// full frame is unavoidable; what this file avoids is everything else that
// is proportional to it: no RGBA copy of the frame (a 24 MP photo is 36 MB
// as decoded 4:2:0 planes, 96 MB as RGBA), no full-size crop or rotation,
// and no float intermediate the size of the source. The planes are reduced
// as they are (chroma at its own subsampled resolution) by an exact area
// average (every source pixel weighs the area of it an output pixel
// covers: no aliasing however large the reduction), in bands of output
// rows on every core; smaller renditions come from the largest one (a
// cascade); orientation is applied to the small results. A rendition of
// the whole image at its own size (an image no wider than the largest
// preset) is the decoded frame itself, 4:2:0 chroma and all: image/jpeg
// encodes that as it is, and resampling it would only copy it. Other
// decoded types (NRGBA, Paletted, CMYK, …) take a slower float path that
// converts one row at a time to premultiplied RGBA. Each rendition is
// handed over as soon as it is encoded, the small ones first
// (makeRenditions): a first GET usually waits for a thumbnail, not for the
// largest variant.

// Rendition output settings.
const (
	variantJPEGQuality = 80
	// variantPNGLevel: on a photographic cut-out with alpha at 1280 wide,
	// BestSpeed encodes 3.4x faster than the default level (150 ms against
	// 520 ms here) for a file 12 % larger; only smooth synthetic gradients
	// double in size. A first GET may wait for the rendition, so speed wins.
	variantPNGLevel = png.BestSpeed
	// cascadeFactor is how much larger (in each axis) a rendition already
	// made must be than the next one for the next one to be made from it
	// rather than from the original: at 2x the intermediate's own
	// averaging widens the next one's box by at most half an output pixel,
	// which no one sees, and reading it costs a fraction of the original.
	// A little under 2 so that rounded heights (853 then 427) still count.
	cascadeFactor = 1.9
	// placeholderSide is the long side of the placeholder in pixels: enough
	// for the layout's colours, small enough for an inline data: URI.
	placeholderSide   = 12
	maxPlaceholderURI = 1024
)

// renderTarget is one output: its size as displayed (upright), and whether
// it is the centre crop of that aspect (cover) or the whole image.
type renderTarget struct {
	Width, Height int
	Cover         bool
}

// Rendition is one preset's variant as made.
type Rendition struct {
	Preset        Preset
	Width, Height int
	ContentType   string
	Data          []byte // encoded
}

// MakeRenditions decodes the image read from r once (JPEG, PNG, GIF — its
// first frame — or WebP), applies orientation (the EXIF Orientation, 1–8;
// 1 for none) and makes each preset's variant in contentType (TypeJPEG, or
// TypePNG for images with alpha), in the order of presets, plus a
// placeholder: a data: URI of at most 1 KiB to show while the image loads.
// Variants are upright and carry no metadata. Presets that come to the same
// size on this image (a 300-wide image's medium and large) are made once
// and share Data.
func MakeRenditions(r io.Reader, orientation int, presets []Preset, contentType string) ([]Rendition, string, error) {
	rs := make([]Rendition, len(presets))
	placeholder, err := makeRenditions(r, orientation, presets, contentType, func(i int, r Rendition) { rs[i] = r })
	if err != nil {
		return nil, "", err
	}
	return rs, placeholder, nil
}

// makeRenditions is MakeRenditions handing over each preset's variant as
// soon as it is encoded: each(i, rendition) for presets[i], on the
// caller's goroutine, one call at a time, in the order the encodes finish
// (the small ones first: renderBatches, encodeOrder), while the others are
// still being resampled and encoded. It returns the placeholder once
// every call has returned. On an error, each may have been called for
// some presets already (an encode failing while others succeed: in
// practice never).
func makeRenditions(r io.Reader, orientation int, presets []Preset, contentType string, each func(i int, r Rendition)) (string, error) {
	if contentType != TypeJPEG && contentType != TypePNG {
		return "", fmt.Errorf("media: renditions in %q: want %s or %s", contentType, TypeJPEG, TypePNG)
	}
	src, _, err := image.Decode(r)
	if err != nil {
		return "", fmt.Errorf("media: decoding image for renditions: %w", err)
	}
	if orientation < 1 || orientation > 8 {
		orientation = 1
	}
	b := src.Bounds()
	dw, dh := b.Dx(), b.Dy()
	if orientation >= 5 {
		dw, dh = dh, dw
	}
	if dw <= 0 || dh <= 0 {
		return "", fmt.Errorf("media: renditions of an empty %dx%d image", dw, dh)
	}

	// One target per distinct size; presets index into them.
	var targets []renderTarget
	which := make([]int, len(presets))
	for i, p := range presets {
		w, h := p.Size(dw, dh)
		which[i] = slices.IndexFunc(targets, func(t renderTarget) bool { return t.Width == w && t.Height == h })
		if which[i] < 0 {
			which[i] = len(targets)
			targets = append(targets, renderTarget{Width: w, Height: h, Cover: p.Fit == FitCover})
		}
	}
	outs := len(targets)
	pw, ph := placeholderSize(dw, dh)
	targets = append(targets, renderTarget{Width: pw, Height: ph})

	// Rendered batch by batch (renderBatches), each target encoded as
	// soon as its batch is made, in encodeOrder, while the next batch is
	// rendered; the results come back here as they are encoded.
	imgs := make([]image.Image, len(targets))
	priority := encodeOrder(targets[:outs])
	todo := make(chan int, outs)
	rendered := make(chan struct{})
	go func() {
		defer close(rendered)
		for _, batch := range renderBatches(targets, dw*dh) {
			sub := make([]renderTarget, len(batch))
			for k, t := range batch {
				sub[k] = targets[t]
			}
			for k, img := range renderImages(src, orientation, sub) {
				imgs[batch[k]] = img
			}
			for _, t := range priority {
				if slices.Contains(batch, t) {
					todo <- t
				}
			}
		}
	}()
	type encoded struct {
		target int
		data   []byte
		err    error
	}
	done := make(chan encoded, outs) // never blocks an encoder
	go inParallel(outs, func(_, _ int) {
		t := <-todo
		var buf bytes.Buffer
		buf.Grow(targets[t].Width * targets[t].Height / 4)
		err := encodeVariant(yieldingWriter{&buf}, imgs[t], contentType)
		done <- encoded{t, buf.Bytes(), err}
	})
	var firstErr error
	for range outs {
		e := <-done
		if firstErr == nil {
			firstErr = e.err
		}
		if firstErr != nil {
			continue // drain: every encoder finishes before this returns
		}
		t := targets[e.target]
		for i, p := range presets {
			if which[i] == e.target {
				each(i, Rendition{Preset: p, Width: t.Width, Height: t.Height, ContentType: contentType, Data: e.data})
			}
		}
	}
	<-rendered // the placeholder's batch, when it holds no variant
	if firstErr != nil {
		return "", firstErr
	}
	return placeholderURI(imgs[outs]), nil
}

// renderBatches splits targets (the variants', then the placeholder's)
// into the batches renderImages makes them in, one after the other. One
// batch as a rule: the cascade then makes each target from the smallest
// one larger than it (a 24 MP photo's thumbnail from its 640-wide
// variant, not from the frame). Two when the frame is small, no more than
// three times the pixels of the smallest variant the small ones would
// otherwise come from (a 1000×1000 image against its 640×640 variant):
// reading the frame, its chroma subsampled, then costs about as much as
// reading that variant, its chroma in full (0.3 ms more here); so the
// small ones (wantedFirst) and the placeholder are made first from the
// frame, and their encodes and puts need not wait for the larger ones to
// be resampled (4.4 ms of the 7 here).
func renderBatches(targets []renderTarget, framePixels int) [][]int {
	outs := len(targets) - 1
	pixels := func(t int) int { return targets[t].Width * targets[t].Height }
	first := wantedFirst(targets[:outs])
	var small, large []int
	source := 0 // the smallest larger variant that is resampled (not the frame itself)
	for t := range outs {
		if first[t] {
			small = append(small, t)
			continue
		}
		large = append(large, t)
		if pixels(t) < framePixels && (source == 0 || pixels(t) < source) {
			source = pixels(t)
		}
	}
	if len(small) == 0 || source == 0 || framePixels > 3*source {
		all := make([]int, len(targets))
		for t := range all {
			all[t] = t
		}
		return [][]int{all}
	}
	return [][]int{append(small, outs), large}
}

// yieldingWriter gives the scheduler a turn each time an encoder writes
// (every 4 KiB of output from image/jpeg's buffer, 32 KiB from image/png's):
// the encodes keep every core busy, and the goroutines they wake — the
// puts, then the GET waiting for the variant just stored — would otherwise
// wait for the runtime's preemption (10 ms a time) before they run.
type yieldingWriter struct{ w io.Writer }

func (y yieldingWriter) Write(p []byte) (int, error) {
	runtime.Gosched()
	return y.w.Write(p)
}

// wantedFirst marks the targets a first GET mostly asks for: the
// thumbnail and the small widths of a list or a grid, those of at most an
// eighth of the largest's pixels. They cost little against the largest
// (encoding them 0.4 and 2.5 ms against 15 ms for a 1000×1000 image), so
// making them first delays the others by little and their GETs by much
// less.
func wantedFirst(targets []renderTarget) []bool {
	largest := 0
	for _, t := range targets {
		largest = max(largest, t.Width*t.Height)
	}
	first := make([]bool, len(targets))
	for i, t := range targets {
		first[i] = 8*t.Width*t.Height <= largest
	}
	return first
}

// encodeOrder is the order in which targets are encoded: those
// wantedFirst, smallest first, then the rest largest first, so that the
// cores finish together rather than the largest last on one.
func encodeOrder(targets []renderTarget) []int {
	pixels := func(t int) int { return targets[t].Width * targets[t].Height }
	first := wantedFirst(targets)
	order := make([]int, len(targets))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case first[a] && !first[b]:
			return -1
		case first[b] && !first[a]:
			return 1
		case first[a]:
			return pixels(a) - pixels(b)
		}
		return pixels(b) - pixels(a)
	})
	return order
}

// placeholderSize fits w×h into placeholderSide, aspect kept.
func placeholderSize(w, h int) (int, int) {
	if w >= h {
		pw := min(w, placeholderSide)
		return pw, max(1, int(math.Round(float64(h)*float64(pw)/float64(w))))
	}
	ph := min(h, placeholderSide)
	return max(1, int(math.Round(float64(w)*float64(ph)/float64(h)))), ph
}

// placeholderURI is a tiny blurred preview of img as a data: URI of at most
// 1024 bytes, for showing while the image loads: a PNG a dozen pixels on
// its long side (the browser's upscaling does the blurring). PNG rather
// than JPEG because JPEG's tables alone take 600 bytes.
func placeholderURI(img image.Image) string {
	const prefix = "data:image/png;base64,"
	b := img.Bounds()
	for _, side := range []int{placeholderSide, 8, 6, 4, 2, 1} {
		w, h := b.Dx(), b.Dy()
		m := img
		if max(w, h) > side {
			if w >= h {
				w, h = side, max(1, int(math.Round(float64(h)*float64(side)/float64(w))))
			} else {
				w, h = max(1, int(math.Round(float64(w)*float64(side)/float64(h)))), side
			}
			m = renderImages(img, 1, []renderTarget{{Width: w, Height: h}})[0]
		}
		var buf bytes.Buffer
		enc := png.Encoder{CompressionLevel: png.BestCompression}
		if enc.Encode(&buf, pngReady(m)) != nil {
			return ""
		}
		if len(prefix)+base64.StdEncoding.EncodedLen(buf.Len()) <= maxPlaceholderURI {
			return prefix + base64.StdEncoding.EncodeToString(buf.Bytes())
		}
	}
	return ""
}

// encodeVariant writes img as contentType: TypeJPEG (quality 80, 4:2:0 as
// image/jpeg always subsamples colour; transparent pixels composited onto
// white, where every other engine leaves them black) or TypePNG (alpha
// kept).
func encodeVariant(w io.Writer, img image.Image, contentType string) error {
	var err error
	switch contentType {
	case TypeJPEG:
		err = jpeg.Encode(w, jpegReady(img), &jpeg.Options{Quality: variantJPEGQuality})
	case TypePNG:
		enc := png.Encoder{CompressionLevel: variantPNGLevel}
		err = enc.Encode(w, pngReady(img))
	default:
		return fmt.Errorf("media: encoding a variant as %q: want %s or %s", contentType, TypeJPEG, TypePNG)
	}
	if err != nil {
		return fmt.Errorf("media: encoding a variant as %s: %w", contentType, err)
	}
	return nil
}

// jpegReady gives image/jpeg a type it encodes without a per-pixel
// interface call (YCbCr, Gray, RGBA), with any transparency flattened onto
// white.
func jpegReady(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.YCbCr, *image.Gray:
		return m
	case *image.NRGBA:
		b := m.Bounds()
		out := image.NewRGBA(b)
		for y := 0; y < b.Dy(); y++ {
			s := m.Pix[y*m.Stride : y*m.Stride+4*b.Dx()]
			d := out.Pix[y*out.Stride : y*out.Stride+4*b.Dx()]
			for i := 0; i+3 < len(s); i += 4 {
				a := uint32(s[i+3])
				white := 255 * (255 - a)
				d[i+0] = uint8((uint32(s[i+0])*a + white + 127) / 255)
				d[i+1] = uint8((uint32(s[i+1])*a + white + 127) / 255)
				d[i+2] = uint8((uint32(s[i+2])*a + white + 127) / 255)
				d[i+3] = 255
			}
		}
		return out
	case *image.RGBA:
		if m.Opaque() {
			return m
		}
	}
	b := img.Bounds()
	out := image.NewRGBA(b)
	draw.Draw(out, b, image.White, image.Point{}, draw.Src)
	draw.Draw(out, b, img, b.Min, draw.Over)
	return out
}

// pngReady gives image/png a type it encodes without a per-pixel interface
// call: NRGBA for transparency, RGBA (or Gray, Paletted) when opaque.
func pngReady(img image.Image) image.Image {
	switch m := img.(type) {
	case *image.NRGBA, *image.Gray, *image.Paletted:
		return m
	case *image.RGBA:
		if m.Opaque() {
			return m
		}
	case *image.YCbCr:
		out := image.NewRGBA(m.Bounds())
		draw.Draw(out, out.Bounds(), m, m.Bounds().Min, draw.Src) // image/draw's fast YCbCr path
		return out
	}
	b := img.Bounds()
	out := image.NewNRGBA(b)
	draw.Draw(out, b, img, b.Min, draw.Src)
	return out
}

// renderImages scales src (a decoded image as stored, not yet oriented;
// orientation is the EXIF value 1–8) to each target and returns upright
// images of exactly the targets' sizes, in order: *image.YCbCr (4:4:4) for
// a YCbCr source, *image.Gray for a Gray one, *image.NRGBA otherwise —
// except that a target of the whole image at its own size is src itself
// when src is of a type the encoders take as it is (ownSizeFrame), turned
// upright if need be. Targets are never larger than the displayed image
// (the caller uses Preset.Size); if one is, it is enlarged all the same.
func renderImages(src image.Image, orientation int, targets []renderTarget) []image.Image {
	if orientation < 1 || orientation > 8 {
		orientation = 1
	}
	b := src.Bounds()
	sw, sh := float64(b.Dx()), float64(b.Dy())
	out := make([]image.Image, len(targets))
	if b.Empty() {
		for i, t := range targets {
			out[i] = image.NewNRGBA(image.Rect(0, 0, max(t.Width, 1), max(t.Height, 1)))
		}
		return out
	}

	// Work in stored coordinates: a centred crop maps to a centred crop,
	// with width and height swapped when the orientation is a quarter turn.
	type job struct {
		i      int
		w, h   int // stored orientation
		region renderRect
	}
	jobs := make([]job, len(targets))
	for i, t := range targets {
		w, h := max(t.Width, 1), max(t.Height, 1)
		if orientation >= 5 {
			w, h = h, w
		}
		r := renderRect{0, 0, sw, sh}
		if t.Cover {
			if sw*float64(h) > sh*float64(w) {
				cw := sh * float64(w) / float64(h)
				r.x0, r.x1 = (sw-cw)/2, (sw+cw)/2
			} else {
				ch := sw * float64(h) / float64(w)
				r.y0, r.y1 = (sh-ch)/2, (sh+ch)/2
			}
		}
		jobs[i] = job{i, w, h, r}
	}
	// Largest scale first, so that each can come from one made before it.
	slices.SortStableFunc(jobs, func(a, b job) int {
		sa, sb := float64(a.w)/(a.region.x1-a.region.x0), float64(b.w)/(b.region.x1-b.region.x0)
		switch {
		case sa > sb:
			return -1
		case sa < sb:
			return 1
		}
		return 0
	})

	type made struct {
		img    image.Image // stored orientation
		region renderRect  // the part of src it shows
	}
	var done []made
	for _, j := range jobs {
		from, region := src, j.region.shift(float64(b.Min.X), float64(b.Min.Y))
		bestPixels := math.MaxInt
		for _, m := range done {
			mb := m.img.Bounds()
			if !m.region.contains(j.region) {
				continue
			}
			kx := float64(mb.Dx()) / (m.region.x1 - m.region.x0)
			ky := float64(mb.Dy()) / (m.region.y1 - m.region.y0)
			if m.region == j.region && mb.Dx() == j.w && mb.Dy() == j.h {
				from, region, bestPixels = m.img, renderRect{0, 0, float64(j.w), float64(j.h)}, -1
				break
			}
			if kx*(j.region.x1-j.region.x0) < cascadeFactor*float64(j.w) ||
				ky*(j.region.y1-j.region.y0) < cascadeFactor*float64(j.h) ||
				mb.Dx()*mb.Dy() >= bestPixels {
				continue
			}
			from, bestPixels = m.img, mb.Dx()*mb.Dy()
			region = renderRect{
				(j.region.x0 - m.region.x0) * kx, (j.region.y0 - m.region.y0) * ky,
				(j.region.x1 - m.region.x0) * kx, (j.region.y1 - m.region.y0) * ky,
			}
		}
		var img image.Image
		switch {
		case bestPixels == -1:
			img = from
		case j.region == renderRect{0, 0, sw, sh} && j.w == b.Dx() && j.h == b.Dy() && ownSizeFrame(src):
			// An exact area average at scale 1 is a copy (and, for 4:2:0,
			// an upsampling of the chroma that the JPEG encoder would
			// average back): the frame as decoded says the same.
			img = src
		default:
			img = resampleImage(from, region, j.w, j.h)
		}
		done = append(done, made{img, j.region})
		out[j.i] = orientImage(img, orientation)
	}
	return out
}

// ownSizeFrame reports whether a decoded frame can stand for its own-size
// rendition as it is: of a type that encodeVariant takes without a
// per-pixel interface call and orientImage turns without resampling (a
// YCbCr frame whose chroma does not line up with a turn is turned through
// 4:4:4 all the same).
func ownSizeFrame(src image.Image) bool {
	switch m := src.(type) {
	case *image.YCbCr:
		_, _, ok := chromaFactors(m.SubsampleRatio)
		return ok
	case *image.Gray, *image.NRGBA, *image.RGBA:
		return true
	}
	return false
}

// renderRect is a rectangle with fractional edges: a crop need not fall on
// whole pixels, and the area average weighs the pixels it cuts.
type renderRect struct{ x0, y0, x1, y1 float64 }

func (r renderRect) shift(dx, dy float64) renderRect {
	return renderRect{r.x0 + dx, r.y0 + dy, r.x1 + dx, r.y1 + dy}
}

func (r renderRect) contains(s renderRect) bool {
	const eps = 1e-6
	return s.x0 >= r.x0-eps && s.y0 >= r.y0-eps && s.x1 <= r.x1+eps && s.y1 <= r.y1+eps
}

// resampleSpan is the run of source samples that one output sample
// averages: first and last are cut by the output's edges and weigh their
// covered fraction (wFirst, wLast); the ones between weigh 1; inv is one
// over the total weight.
type resampleSpan struct {
	first, last        int32
	wFirst, wLast, inv float32
}

// resampleSpans divides [lo, hi) of an axis of size samples into n equal
// output samples.
func resampleSpans(lo, hi float64, n, size int) []resampleSpan {
	const eps = 1e-6 // edges this close to a sample boundary are on it
	spans := make([]resampleSpan, n)
	step := (hi - lo) / float64(n)
	for i := range spans {
		a, b := max(lo+float64(i)*step, 0), min(lo+float64(i+1)*step, float64(size))
		first := min(max(int(math.Floor(a+eps)), 0), size-1)
		last := min(max(int(math.Ceil(b-eps))-1, first), size-1)
		if first == last || b-a < eps {
			spans[i] = resampleSpan{int32(first), int32(first), 1, 0, 1}
			continue
		}
		wf, wl := float64(first+1)-a, b-float64(last)
		spans[i] = resampleSpan{int32(first), int32(last), float32(wf), float32(wl), float32(1 / (wf + wl + float64(last-first-1)))}
	}
	return spans
}

// resampleImage makes a w×h area average of region (in src's coordinates)
// of src, in stored orientation.
func resampleImage(src image.Image, region renderRect, w, h int) image.Image {
	// The plane path's 32-bit row sums hold 65 793 rows of 255; a taller
	// run (a 40 MP image has at most 133 333 rows, but nothing here relies
	// on the caller's limits) gets there in two steps.
	if rows := (region.y1 - region.y0) / float64(h); rows > 60000 {
		mid := int(math.Ceil((region.y1 - region.y0) / 1000))
		src = resampleImage(src, region, w, mid)
		region = renderRect{0, 0, float64(w), float64(mid)}
	}
	var jobs []resampleJob
	var out image.Image
	switch m := src.(type) {
	case *image.YCbCr:
		hx, vy, ok := chromaFactors(m.SubsampleRatio)
		if !ok {
			break
		}
		dst := image.NewYCbCr(image.Rect(0, 0, w, h), image.YCbCrSubsampleRatio444)
		b := m.Rect
		luma := renderPlane{m.Y, m.YStride, b.Dx(), b.Dy()}
		jobs = planeJobs(jobs, luma, region.shift(-float64(b.Min.X), -float64(b.Min.Y)), renderPlane{dst.Y, dst.YStride, w, h})
		cx0, cy0 := floorQuotient(b.Min.X, hx), floorQuotient(b.Min.Y, vy)
		cw, ch := ceilQuotient(b.Max.X, hx)-cx0, ceilQuotient(b.Max.Y, vy)-cy0
		cr := renderRect{
			region.x0/float64(hx) - float64(cx0), region.y0/float64(vy) - float64(cy0),
			region.x1/float64(hx) - float64(cx0), region.y1/float64(vy) - float64(cy0),
		}
		jobs = planeJobs(jobs, renderPlane{m.Cb, m.CStride, cw, ch}, cr, renderPlane{dst.Cb, dst.CStride, w, h})
		jobs = planeJobs(jobs, renderPlane{m.Cr, m.CStride, cw, ch}, cr, renderPlane{dst.Cr, dst.CStride, w, h})
		out = dst
	case *image.Gray:
		dst := image.NewGray(image.Rect(0, 0, w, h))
		b := m.Rect
		jobs = planeJobs(jobs, renderPlane{m.Pix, m.Stride, b.Dx(), b.Dy()}, region.shift(-float64(b.Min.X), -float64(b.Min.Y)), renderPlane{dst.Pix, dst.Stride, w, h})
		out = dst
	}
	if out == nil {
		dst := image.NewNRGBA(image.Rect(0, 0, w, h))
		jobs = rgbaJobs(jobs, src, region, dst)
		out = dst
	}
	runResampleJobs(jobs)
	return out
}

// renderPlane is one channel of 8-bit samples.
type renderPlane struct {
	pix    []uint8
	stride int
	w, h   int
}

// resampleJob makes a band of output rows of one plane, with its worker's
// scratch rows.
type resampleJob func(*resampleScratch)

// resampleScratch is one worker's row buffers, reused from band to band.
type resampleScratch struct {
	sums   []uint32
	totals []uint64
	floats []float32
}

func (s *resampleScratch) sumRow(n int) []uint32 {
	if cap(s.sums) < n {
		s.sums = make([]uint32, n)
	}
	return s.sums[:n]
}

func (s *resampleScratch) totalRow(n int) []uint64 {
	if cap(s.totals) < n {
		s.totals = make([]uint64, n)
	}
	return s.totals[:n]
}

func (s *resampleScratch) floatRow(n int) []float32 {
	if cap(s.floats) < n {
		s.floats = make([]float32, n)
	}
	return s.floats[:n]
}

func runResampleJobs(jobs []resampleJob) {
	scratch := make([]resampleScratch, min(runtime.GOMAXPROCS(0), len(jobs)))
	inParallel(len(jobs), func(worker, i int) { jobs[i](&scratch[worker]) })
}

// inParallel runs do(worker, 0..n-1) on up to GOMAXPROCS goroutines, worker
// numbering the goroutine. Between two calls each gives the scheduler a
// turn, for the same reason as yieldingWriter: the variants of one image
// are resampled while the puts and GETs of others wait to run.
func inParallel(n int, do func(worker, i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			do(0, i)
			runtime.Gosched()
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for worker := range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				do(worker, i)
				runtime.Gosched()
			}
		})
	}
	wg.Wait()
}

// bandRows is how many output rows a job makes: bands of about half a
// million source samples, small enough that the cores finish together
// (two cores, a dozen bands or more for a large photo), large enough that
// a band's setup is lost in its work.
func bandRows(outRows int, srcSamples int) int {
	const bandSamples = 1 << 19
	bands := max(1, min(outRows, srcSamples/bandSamples))
	return (outRows + bands - 1) / bands
}

// planeJobs adds the jobs that average region of src into dst. Each
// output row sums its source rows first (a tight loop over bytes, the bulk
// of the work), then averages that sum across as differences of a running
// total taken at the output's edges: looping over each output's own
// columns instead costs a mispredicted branch per output sample, which
// made that step cost as much as the summing. Integers throughout keep the
// byte loops short: rows weigh 1/256ths, columns 1/65536ths.
func planeJobs(jobs []resampleJob, src renderPlane, region renderRect, dst renderPlane) []resampleJob {
	xs := newFixedAxis(region.x0, region.x1, dst.w, src.w)
	ys := resampleSpans(region.y0, region.y1, dst.h, src.h)
	x0, x1 := xs.lo, xs.hi
	rows := int(ys[len(ys)-1].last-ys[0].first) + 1
	step := bandRows(dst.h, rows*(x1-x0))
	for j0 := 0; j0 < dst.h; j0 += step {
		j1 := min(j0+step, dst.h)
		jobs = append(jobs, func(scratch *resampleScratch) {
			sum, total := scratch.sumRow(x1-x0+1), scratch.totalRow(x1-x0+1)
			sum[x1-x0] = 0 // past the end: the last edge reads it
			row := func(r int) []uint8 { return src.pix[r*src.stride+x0 : r*src.stride+x1] }
			for j := j0; j < j1; j++ {
				s := ys[j]
				first, last := int(s.first), int(s.last)
				wf := rowWeight(s.wFirst)
				weight := wf
				setRow8(sum, row(first), wf)
				for r := first + 1; r < last; r++ {
					addRow8(sum, row(r))
					weight += rowOne
				}
				if last > first {
					wl := rowWeight(s.wLast)
					addRow8Weighted(sum, row(last), wl)
					weight += wl
				}
				xs.reduce(sum, total, 1/float32(weight), dst.pix[j*dst.stride:j*dst.stride+dst.w])
			}
		})
	}
	return jobs
}

// rowOne is a whole row's weight in the integer plane path: 8 bits of
// fraction put a cut edge within 1/512 of a row, and a sum of 65 793 rows
// of 255 still fits in 32 bits.
const rowOne = 256

func rowWeight(w float32) uint32 { return uint32(w*rowOne + 0.5) }

// fixedAxis places the edges of n equal output columns on the source
// columns lo to hi-1: edge e lies col[e] whole columns plus frac[e]/65536
// past lo.
type fixedAxis struct {
	lo, hi int
	col    []int32
	frac   []uint64
	inv    []float32 // one over each output's width in 1/65536ths
}

func newFixedAxis(x0, x1 float64, n, size int) fixedAxis {
	const eps = 1e-6
	x0, x1 = max(x0, 0), min(x1, float64(size))
	a := fixedAxis{lo: min(int(math.Floor(x0+eps)), size-1)}
	a.hi = max(min(int(math.Ceil(x1-eps)), size), a.lo+1)
	a.col = make([]int32, n+1)
	a.frac = make([]uint64, n+1)
	a.inv = make([]float32, n)
	step := (x1 - x0) / float64(n)
	prev := 0
	for e := range n + 1 {
		x := min(max(x0+float64(e)*step-float64(a.lo), 0), float64(a.hi-a.lo))
		fixed := int(math.Round(x * 65536))
		a.col[e], a.frac[e] = int32(fixed>>16), uint64(fixed&0xFFFF)
		if e > 0 {
			a.inv[e-1] = 1 / float32(max(fixed-prev, 1))
		}
		prev = fixed
	}
	return a
}

// reduce averages the columns of sum (rows weighing one over k in all)
// into out; total is scratch of len(sum).
func (a *fixedAxis) reduce(sum []uint32, total []uint64, k float32, out []uint8) {
	var run uint64
	total = total[:len(sum)]
	for i, v := range sum {
		total[i] = run
		run += uint64(v)
	}
	out = out[:len(a.inv)]
	col, frac := a.col[:len(out)+1], a.frac[:len(out)+1]
	at := func(e int) uint64 { c := col[e]; return total[c]<<16 + frac[e]*uint64(sum[c]) }
	prev := at(0)
	for i, inv := range a.inv[:len(out)] {
		next := at(i + 1)
		v := int32(float32(int64(next-prev))*inv*k + 0.5)
		out[i] = uint8(min(v, 255))
		prev = next
	}
}

func setRow8(sum []uint32, row []uint8, w uint32) {
	sum = sum[:len(row)]
	for i, v := range row {
		sum[i] = w * uint32(v)
	}
}

func addRow8(sum []uint32, row []uint8) {
	sum = sum[:len(row)]
	for i, v := range row {
		sum[i] += uint32(v) << 8
	}
}

func addRow8Weighted(sum []uint32, row []uint8, w uint32) {
	sum = sum[:len(row)]
	for i, v := range row {
		sum[i] += w * uint32(v)
	}
}

// resampleRows makes output rows j0 to j1-1 of the float RGBA path (width
// floats a row): reduce(r, into, w, add) averages source row r across into
// (into = w×row, or into += w×row); emit stores an output row. A source
// row cut by two output rows is reduced once.
func resampleRows(ys []resampleSpan, j0, j1, width int, reduce func(r int, into []float32, w float32, add bool), emit func(j int, acc []float32)) {
	acc := make([]float32, width)
	shared := make([]float32, width)
	sharedRow := -1
	for j := j0; j < j1; j++ {
		s := ys[j]
		first, last := int(s.first), int(s.last)
		wf, wl := s.wFirst*s.inv, s.wLast*s.inv
		if first == sharedRow {
			for x, v := range shared {
				acc[x] = wf * v
			}
		} else {
			reduce(first, acc, wf, false)
		}
		for r := first + 1; r < last; r++ {
			reduce(r, acc, s.inv, true)
		}
		if last > first {
			reduce(last, shared, 1, false)
			sharedRow = last
			for x, v := range shared {
				acc[x] += wl * v
			}
		}
		emit(j, acc)
	}
}

// rgbaJobs adds the jobs that average region of any image into dst,
// reading its rows as premultiplied RGBA (so that transparent pixels, whose
// colour is arbitrary, do not bleed into their neighbours).
func rgbaJobs(jobs []resampleJob, src image.Image, region renderRect, dst *image.NRGBA) []resampleJob {
	b := src.Bounds()
	region = region.shift(-float64(b.Min.X), -float64(b.Min.Y))
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	xs := resampleSpans(region.x0, region.x1, w, b.Dx())
	ys := resampleSpans(region.y0, region.y1, h, b.Dy())
	x0, x1 := int(xs[0].first), int(xs[len(xs)-1].last)+1
	for i := range xs { // columns relative to the converted run
		xs[i].first -= int32(x0)
		xs[i].last -= int32(x0)
	}
	rows := int(ys[len(ys)-1].last-ys[0].first) + 1
	step := bandRows(h, 4*rows*(x1-x0))
	for j0 := 0; j0 < h; j0 += step {
		j1 := min(j0+step, h)
		jobs = append(jobs, func(scratch *resampleScratch) {
			read := premultipliedRows(src)
			buf := scratch.floatRow(4 * (x1 - x0))
			reduce := func(r int, into []float32, w float32, add bool) {
				read(r, x0, x1, buf)
				reduceRowRGBA(buf, xs, into, w, add)
			}
			resampleRows(ys, j0, j1, 4*w, reduce, func(j int, acc []float32) {
				row := dst.Pix[j*dst.Stride : j*dst.Stride+4*w]
				for x := 0; x+3 < len(row); x += 4 {
					a := acc[x+3]
					if a < 0.5 {
						row[x], row[x+1], row[x+2], row[x+3] = 0, 0, 0, 0
						continue
					}
					k := 255 / a
					row[x+0] = uint8(min(acc[x+0]*k+0.5, 255))
					row[x+1] = uint8(min(acc[x+1]*k+0.5, 255))
					row[x+2] = uint8(min(acc[x+2]*k+0.5, 255))
					row[x+3] = uint8(min(a+0.5, 255))
				}
			})
		})
	}
	return jobs
}

// reduceRowRGBA averages one row of interleaved premultiplied RGBA across
// into the output columns xs describe: into = w×average, or into +=
// w×average when add.
func reduceRowRGBA(row []float32, xs []resampleSpan, into []float32, w float32, add bool) {
	into = into[:4*len(xs)]
	for i, s := range xs {
		first, last := 4*int(s.first), 4*int(s.last)
		p := row[first : first+4 : first+4]
		r, g, b, a := s.wFirst*p[0], s.wFirst*p[1], s.wFirst*p[2], s.wFirst*p[3]
		if last > first {
			for k := first + 4; k < last; k += 4 {
				p := row[k : k+4 : k+4]
				r, g, b, a = r+p[0], g+p[1], b+p[2], a+p[3]
			}
			p := row[last : last+4 : last+4]
			r, g, b, a = r+s.wLast*p[0], g+s.wLast*p[1], b+s.wLast*p[2], a+s.wLast*p[3]
		}
		k := w * s.inv
		d := into[4*i : 4*i+4 : 4*i+4]
		if add {
			d[0], d[1], d[2], d[3] = d[0]+k*r, d[1]+k*g, d[2]+k*b, d[3]+k*a
		} else {
			d[0], d[1], d[2], d[3] = k*r, k*g, k*b, k*a
		}
	}
}

// premultipliedRows returns a reader of src's rows as premultiplied RGBA
// floats on a 0–255 scale: read(y, x0, x1, dst) fills dst with columns x0
// to x1-1 of row y (both relative to the bounds' origin). The common
// decoded types are read straight from their pixels; others through At.
func premultipliedRows(src image.Image) func(y, x0, x1 int, dst []float32) {
	b := src.Bounds()
	switch m := src.(type) {
	case *image.NRGBA:
		return func(y, x0, x1 int, dst []float32) {
			p := m.Pix[y*m.Stride+4*x0 : y*m.Stride+4*x1]
			for i := 0; i+3 < len(p); i += 4 {
				a := float32(p[i+3])
				k := a * (1.0 / 255)
				dst[i], dst[i+1], dst[i+2], dst[i+3] = k*float32(p[i]), k*float32(p[i+1]), k*float32(p[i+2]), a
			}
		}
	case *image.RGBA:
		return func(y, x0, x1 int, dst []float32) {
			p := m.Pix[y*m.Stride+4*x0 : y*m.Stride+4*x1]
			for i, v := range p {
				dst[i] = float32(v)
			}
		}
	case *image.NRGBA64:
		return func(y, x0, x1 int, dst []float32) {
			p := m.Pix[y*m.Stride+8*x0 : y*m.Stride+8*x1]
			for i, j := 0, 0; i+7 < len(p); i, j = i+8, j+4 {
				a := float32(uint16(p[i+6])<<8 | uint16(p[i+7]))
				k := a * (1.0 / 65535 / 257)
				dst[j] = k * float32(uint16(p[i])<<8|uint16(p[i+1]))
				dst[j+1] = k * float32(uint16(p[i+2])<<8|uint16(p[i+3]))
				dst[j+2] = k * float32(uint16(p[i+4])<<8|uint16(p[i+5]))
				dst[j+3] = a * (1.0 / 257)
			}
		}
	case *image.RGBA64:
		return func(y, x0, x1 int, dst []float32) {
			p := m.Pix[y*m.Stride+8*x0 : y*m.Stride+8*x1]
			for i, j := 0, 0; i+1 < len(p); i, j = i+2, j+1 {
				dst[j] = float32(uint16(p[i])<<8|uint16(p[i+1])) * (1.0 / 257)
			}
		}
	case *image.Paletted:
		var pal [256][4]float32
		for i, c := range m.Palette {
			r, g, bl, a := c.RGBA()
			pal[i] = [4]float32{float32(r) / 257, float32(g) / 257, float32(bl) / 257, float32(a) / 257}
		}
		return func(y, x0, x1 int, dst []float32) {
			for i, v := range m.Pix[y*m.Stride+x0 : y*m.Stride+x1] {
				copy(dst[4*i:4*i+4], pal[v][:])
			}
		}
	case *image.CMYK:
		return func(y, x0, x1 int, dst []float32) {
			p := m.Pix[y*m.Stride+4*x0 : y*m.Stride+4*x1]
			for i := 0; i+3 < len(p); i += 4 {
				r, g, bl := color.CMYKToRGB(p[i], p[i+1], p[i+2], p[i+3])
				dst[i], dst[i+1], dst[i+2], dst[i+3] = float32(r), float32(g), float32(bl), 255
			}
		}
	case *image.NYCbCrA:
		return func(y, x0, x1 int, dst []float32) {
			for i, x := 0, b.Min.X+x0; x < b.Min.X+x1; i, x = i+4, x+1 {
				yi, ci := m.YOffset(x, b.Min.Y+y), m.COffset(x, b.Min.Y+y)
				r, g, bl := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
				a := float32(m.A[m.AOffset(x, b.Min.Y+y)])
				k := a * (1.0 / 255)
				dst[i], dst[i+1], dst[i+2], dst[i+3] = k*float32(r), k*float32(g), k*float32(bl), a
			}
		}
	case *image.Gray16:
		return func(y, x0, x1 int, dst []float32) {
			p := m.Pix[y*m.Stride+2*x0 : y*m.Stride+2*x1]
			for i, j := 0, 0; i+1 < len(p); i, j = i+2, j+4 {
				v := float32(uint16(p[i])<<8|uint16(p[i+1])) * (1.0 / 257)
				dst[j], dst[j+1], dst[j+2], dst[j+3] = v, v, v, 255
			}
		}
	}
	return func(y, x0, x1 int, dst []float32) {
		for i, x := 0, b.Min.X+x0; x < b.Min.X+x1; i, x = i+4, x+1 {
			r, g, bl, a := src.At(x, b.Min.Y+y).RGBA()
			dst[i], dst[i+1], dst[i+2], dst[i+3] = float32(r)/257, float32(g)/257, float32(bl)/257, float32(a)/257
		}
	}
}

// chromaFactors is how many luma samples share a chroma sample across and
// down.
func chromaFactors(r image.YCbCrSubsampleRatio) (int, int, bool) {
	switch r {
	case image.YCbCrSubsampleRatio444:
		return 1, 1, true
	case image.YCbCrSubsampleRatio422:
		return 2, 1, true
	case image.YCbCrSubsampleRatio420:
		return 2, 2, true
	case image.YCbCrSubsampleRatio440:
		return 1, 2, true
	case image.YCbCrSubsampleRatio411:
		return 4, 1, true
	case image.YCbCrSubsampleRatio410:
		return 4, 2, true
	}
	return 0, 0, false
}

// subsampleRatio is the ratio whose chroma samples each cover hx luma
// samples across and vy down (chromaFactors' inverse).
func subsampleRatio(hx, vy int) (image.YCbCrSubsampleRatio, bool) {
	for _, r := range []image.YCbCrSubsampleRatio{
		image.YCbCrSubsampleRatio444, image.YCbCrSubsampleRatio422, image.YCbCrSubsampleRatio420,
		image.YCbCrSubsampleRatio440, image.YCbCrSubsampleRatio411, image.YCbCrSubsampleRatio410,
	} {
		if x, y, _ := chromaFactors(r); x == hx && y == vy {
			return r, true
		}
	}
	return 0, false
}

func floorQuotient(a, b int) int {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

func ceilQuotient(a, b int) int { return -floorQuotient(-a, b) }

// orientImage turns m (one of resampleImage's outputs, or an own-size
// frame as decoded; in stored orientation) upright for the EXIF
// orientation o. Done on the small results, it costs nothing next to
// turning the full frame; a full frame is turned only when it is itself a
// rendition (no wider than the largest preset).
func orientImage(m image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return m
	}
	switch m := m.(type) {
	case *image.YCbCr:
		// Subsampled chroma turns with its luma when each chroma sample
		// covers whole luma samples (even sides for 4:2:0) and the frame
		// starts at the planes' origin (YCbCr.SubImage keeps the planes);
		// a quarter turn swaps the factors (4:2:2 becomes 4:4:0).
		hx, vy, ok := chromaFactors(m.SubsampleRatio)
		w, h := m.Rect.Dx(), m.Rect.Dy()
		ratio := m.SubsampleRatio
		if o >= 5 {
			ratio, ok = subsampleRatio(vy, hx)
		}
		if ok && m.Rect.Min == (image.Point{}) && w%hx == 0 && h%vy == 0 {
			y, yStride, dw, dh := orientPixels(m.Y, m.YStride, w, h, 1, o)
			cb, cStride, _, _ := orientPixels(m.Cb, m.CStride, w/hx, h/vy, 1, o)
			cr, _, _, _ := orientPixels(m.Cr, m.CStride, w/hx, h/vy, 1, o)
			return &image.YCbCr{Y: y, Cb: cb, Cr: cr, YStride: yStride, CStride: cStride,
				SubsampleRatio: ratio, Rect: image.Rect(0, 0, dw, dh)}
		}
	case *image.Gray:
		pix, stride, dw, dh := orientPixels(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy(), 1, o)
		return &image.Gray{Pix: pix, Stride: stride, Rect: image.Rect(0, 0, dw, dh)}
	case *image.NRGBA:
		pix, stride, dw, dh := orientPixels(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy(), 4, o)
		return &image.NRGBA{Pix: pix, Stride: stride, Rect: image.Rect(0, 0, dw, dh)}
	case *image.RGBA:
		pix, stride, dw, dh := orientPixels(m.Pix, m.Stride, m.Rect.Dx(), m.Rect.Dy(), 4, o)
		return &image.RGBA{Pix: pix, Stride: stride, Rect: image.Rect(0, 0, dw, dh)}
	}
	b := m.Bounds()
	return orientImage(resampleImage(m, renderRect{float64(b.Min.X), float64(b.Min.Y), float64(b.Max.X), float64(b.Max.Y)}, b.Dx(), b.Dy()), o)
}

// orientPixels returns the w×h pixels of size bpp in pix (rows stride
// apart) turned upright for orientation o, with their stride and size.
func orientPixels(pix []uint8, stride, w, h, bpp, o int) ([]uint8, int, int, int) {
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	// Displayed (x, y) comes from stored (sx, sy), affine in x and y: the
	// source offset moves by dx per output column and dy per output row.
	var sx0, sy0, dxX, dxY, dyX, dyY int // start, and steps of (sx, sy) per x and per y
	switch o {
	case 2:
		sx0, dxX, dyY = w-1, -1, 1
	case 3:
		sx0, sy0, dxX, dyY = w-1, h-1, -1, -1
	case 4:
		sy0, dxX, dyY = h-1, 1, -1
	case 5:
		dxY, dyX = 1, 1
	case 6:
		sy0, dxY, dyX = h-1, -1, 1
	case 7:
		sx0, sy0, dxY, dyX = w-1, h-1, -1, -1
	case 8:
		sx0, dxY, dyX = w-1, 1, -1
	}
	dx := dxX*bpp + dxY*stride
	dy := dyX*bpp + dyY*stride
	out := make([]uint8, dw*dh*bpp)
	for y := range dh {
		s := sy0*stride + sx0*bpp + y*dy
		d := out[y*dw*bpp : (y+1)*dw*bpp]
		for x := 0; x < len(d); x += bpp {
			copy(d[x:x+bpp], pix[s:s+bpp])
			s += dx
		}
	}
	return out, dw * bpp, dw, dh
}
