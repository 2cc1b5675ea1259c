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
// original once, makes and stores all four default presets, and serves the
// thumbnail. p50-ms is the median over the iterations (the target:
// at most 50 ms).
func BenchmarkVariantFirstGET(b *testing.B) {
	rig := newRenditionRig(b, func(opts media.Options) *media.Store { return openBench(b, opts) })
	h := rig.store.Handler()
	body := jpegOf(b, 1000, 1000)
	var took []time.Duration
	for b.Loop() {
		b.StopTimer()
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
