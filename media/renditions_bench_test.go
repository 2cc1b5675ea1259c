package media_test

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"mediagraph/media"
)

// BenchmarkVariantFirstGET is the GET of a 1-megapixel JPEG's thumbnail
// that no one made yet: the handler asks for the image's row, decodes the
// original once, makes and stores the thumbnail and serves it, while the
// image's other variants are still being encoded and stored (the piece of
// work goes on after the answer). p50-ms is the median over the
// iterations. idle: each GET comes once the previous image's piece of
// work has ended, the wait outside the timing (the first GET of a server
// not busy with another image: the target, at most 50 ms).
// back-to-back: the next image is uploaded and its thumbnail asked for at
// once, its decode sharing the cores with the end of the previous image's
// work (the larger resamples and encodes, the puts): once GETs come faster
// than the cores make whole images, that measures how many images an hour
// the server renders more than how long one GET waits.
func BenchmarkVariantFirstGET(b *testing.B) {
	for _, settle := range []bool{true, false} {
		name := "idle"
		if !settle {
			name = "back-to-back"
		}
		b.Run(name, func(b *testing.B) {
			rig := newRenditionRig(b, func(opts media.Options) *media.Store { return openBench(b, opts) })
			h := rig.store.Handler()
			body := jpegOf(b, 1000, 1000)
			var took []time.Duration
			for b.Loop() {
				b.StopTimer()
				if settle {
					media.WaitVariantJobsForTest(rig.store)
				}
				src := rig.add(b, body)
				thumb := media.Variants(src, rig.presets)[0].Key
				b.StartTimer()
				start := time.Now()
				if rec := getKey(b, h, thumb); rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d", thumb, rec.Code)
				}
				took = append(took, time.Since(start))
			}
			slices.Sort(took)
			b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
		})
	}
}

// BenchmarkVariantGET is the GET of a variant already made, beside the
// GET of its original: the same path once made.
func BenchmarkVariantGET(b *testing.B) {
	rig := newRenditionRig(b, func(opts media.Options) *media.Store { return openBench(b, opts) })
	h := rig.store.Handler()
	src := rig.add(b, jpegOf(b, 1000, 1000))
	v := media.Variants(src, rig.presets)[1] // small, 320 wide
	if rec := getKey(b, h, v.Key); rec.Code != http.StatusOK {
		b.Fatalf("GET %s: %d", v.Key, rec.Code)
	}
	for _, c := range []struct{ name, key string }{{"variant", v.Key}, {"original", src.Key}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if rec := getKey(b, h, c.key); rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d", c.key, rec.Code)
				}
			}
		})
	}
}

func openBench(b *testing.B, opts media.Options) *media.Store {
	s, err := media.OpenWith(context.Background(), filepath.Join(b.TempDir(), "media"), opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
