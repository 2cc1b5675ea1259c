package media_test

import (
	"bytes"
	"context"
	"image"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mediagraph/media"
	"mediagraph/media/mediatest"
)

func TestParsePresets(t *testing.T) {
	valid := []struct {
		in   string
		want []media.Preset
	}{
		{media.DefaultPresets, []media.Preset{
			{Name: "thumb", Width: 100, Height: 100, Fit: media.FitCover},
			{Name: "small", Width: 320, Fit: media.FitWidth},
			{Name: "medium", Width: 640, Fit: media.FitWidth},
			{Name: "large", Width: 1280, Fit: media.FitWidth},
		}},
		{" big=2000 , card_2=400x300:cover,w=50:width ", []media.Preset{
			{Name: "w", Width: 50, Fit: media.FitWidth},
			{Name: "card_2", Width: 400, Height: 300, Fit: media.FitCover},
			{Name: "big", Width: 2000, Fit: media.FitWidth},
		}},
		{"none", nil},
	}
	for _, c := range valid {
		got, err := media.ParsePresets(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("ParsePresets(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", " , ", "thumb", "thumb=100x100", "thumb=100:cover", "Thumb=100", "9a=100", "a-b=100",
		"a=0", "a=4097", "a=100x0:cover", "a=100x100:fill", "a=1e3", "a=100,a=200", "a=-5",
		"a=1,b=2,c=3,d=4,e=5,f=6,g=7,h=8,i=9,j=10,k=11,l=12,m=13,n=14,o=15,p=16,q=17"} {
		if got, err := media.ParsePresets(in); err == nil {
			t.Errorf("ParsePresets(%q) = %v, want an error", in, got)
		}
	}
}

func TestPresetSize(t *testing.T) {
	cover := media.Preset{Name: "thumb", Width: 100, Height: 100, Fit: media.FitCover}
	card := media.Preset{Name: "card", Width: 400, Height: 300, Fit: media.FitCover}
	small := media.Preset{Name: "small", Width: 320, Fit: media.FitWidth}
	for _, c := range []struct {
		p          media.Preset
		w, h       int
		wantW, wtH int
	}{
		{cover, 6000, 4000, 100, 100},
		{cover, 100, 100, 100, 100},
		{cover, 50, 80, 50, 50},     // never upscaled: the aspect kept, as large as the image fills
		{card, 200, 1000, 200, 150}, // width is what limits
		{card, 1000, 150, 200, 150}, // height is what limits
		{small, 6000, 4000, 320, 213},
		{small, 600, 800, 320, 427},
		{small, 300, 300, 300, 300}, // never wider than the image
		{small, 320, 1, 320, 1},
		{small, 4000, 1, 320, 1}, // never 0 high
		{small, 0, 100, 0, 0},
	} {
		if w, h := c.p.Size(c.w, c.h); w != c.wantW || h != c.wtH {
			t.Errorf("%s of %d×%d = %d×%d, want %d×%d", c.p.Name, c.w, c.h, w, h, c.wantW, c.wtH)
		}
	}
}

func TestVariantKeysAndTypes(t *testing.T) {
	presets, _ := media.ParsePresets(media.DefaultPresets)
	src := media.Source{Key: "products/images/abc.png", Width: 700, Height: 500, VariantType: media.TypeJPEG}
	var keys []string
	for _, v := range media.Variants(src, presets) {
		keys = append(keys, v.Key)
	}
	want := []string{"products/images/abc.100x100.jpg", "products/images/abc.320w.jpg", "products/images/abc.640w.jpg", "products/images/abc.700w.jpg"}
	if !slices.Equal(keys, want) || !slices.Equal(media.VariantKeys(src, presets), want) {
		t.Errorf("keys %v, want %v", keys, want)
	}
	src.Width = 300
	if got := media.VariantKeys(src, presets); len(got) != 2 {
		t.Errorf("a 300-wide image's variant keys %v: want the thumb and one 300w", got)
	}
	src.VariantType = ""
	if got := media.Variants(src, presets); got != nil {
		t.Errorf("an unrenderable image has variants %v", got)
	}
	for _, c := range []struct {
		contentType string
		alpha       bool
		want        string
	}{
		{media.TypeJPEG, false, media.TypeJPEG}, {media.TypeJPEG, true, media.TypeJPEG},
		{media.TypePNG, false, media.TypeJPEG}, {media.TypePNG, true, media.TypePNG},
		{media.TypeWebP, true, media.TypePNG}, {media.TypeGIF, true, media.TypePNG},
		{media.TypePDF, false, ""},
	} {
		if got := media.VariantType(c.contentType, c.alpha); got != c.want {
			t.Errorf("VariantType(%s, %v) = %q, want %q", c.contentType, c.alpha, got, c.want)
		}
	}
}

// renditionRig is a store with renditions whose "rows" are a map.
type renditionRig struct {
	store   *media.Store
	mu      sync.Mutex
	rows    map[string]media.Source // by base
	asked   atomic.Int64            // Sources calls
	made    atomic.Int64            // OnMade calls
	failed  atomic.Int64            // OnUnrenderable calls
	presets []media.Preset
	// hold, if set before the first image's variants are made, keeps
	// OnMade (the end of every piece of work) from answering until closed.
	hold chan struct{}
}

func newRenditionRig(t testing.TB, open func(media.Options) *media.Store) *renditionRig {
	rig := &renditionRig{rows: map[string]media.Source{}}
	rig.presets, _ = media.ParsePresets(media.DefaultPresets)
	rig.store = open(media.Options{
		Prefixes: []string{"products/images/"},
		Renditions: &media.RenditionOptions{
			Presets: rig.presets,
			Sources: func(_ context.Context, bases []string) (map[string]media.Source, error) {
				rig.asked.Add(1)
				rig.mu.Lock()
				defer rig.mu.Unlock()
				out := map[string]media.Source{}
				for _, b := range bases {
					if src, ok := rig.rows[b]; ok {
						out[b] = src
					}
				}
				return out, nil
			},
			OnMade: func(_ context.Context, src media.Source, _ string) (bool, error) {
				if rig.hold != nil {
					<-rig.hold
				}
				rig.made.Add(1)
				rig.mu.Lock()
				defer rig.mu.Unlock()
				_, ok := rig.rows[strings.TrimSuffix(src.Key, path.Ext(src.Key))]
				return ok, nil
			},
			OnUnrenderable: func(context.Context, media.Source, error) { rig.failed.Add(1) },
		},
	})
	return rig
}

// add stores body as an image and records its row.
func (rig *renditionRig) add(t testing.TB, body []byte) media.Source {
	t.Helper()
	ctx := context.Background()
	st, err := rig.store.Stage(ctx, bytes.NewReader(body), "a.jpg", 10<<20)
	if err != nil {
		t.Fatal(err)
	}
	f, err := rig.store.Put(ctx, "products/images/", st)
	if err != nil {
		t.Fatal(err)
	}
	src := media.Source{Key: f.Key, Width: f.Width, Height: f.Height, VariantType: media.VariantType(f.ContentType, f.Alpha)}
	rig.mu.Lock()
	rig.rows[strings.TrimSuffix(f.Key, path.Ext(f.Key))] = src
	rig.mu.Unlock()
	return src
}

func getKey(t testing.TB, h http.Handler, key string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/"+key, nil))
	return rec
}

// TestRenditionsConformance: on every backend, variants are made on their
// first GET (once for concurrent GETs), served like originals, never
// replaced, and swept when no row's image has them in force.
func TestRenditionsConformance(t *testing.T) {
	for name := range backends(t) {
		t.Run(name, func(t *testing.T) {
			rig := newRenditionRig(t, func(opts media.Options) *media.Store { return backendsWith(opts)[name](t) })
			s, h := rig.store, rig.store.Handler()
			ctx := context.Background()
			src := rig.add(t, jpegOf(t, 1000, 800))
			variants := media.Variants(src, rig.presets)

			// Concurrent first GETs of every variant: one piece of work.
			var wg sync.WaitGroup
			codes := make(chan int, 3*len(variants))
			for range 3 {
				for _, v := range variants {
					wg.Go(func() { codes <- getKey(t, h, v.Key).Code })
				}
			}
			wg.Wait()
			close(codes)
			for code := range codes {
				if code != http.StatusOK {
					t.Fatalf("a first GET answered %d", code)
				}
			}
			media.WaitVariantJobsForTest(s)
			if rig.made.Load() != 1 {
				t.Errorf("%d pieces of work for one image's concurrent GETs, want 1", rig.made.Load())
			}
			for _, v := range variants {
				rec := getKey(t, h, v.Key)
				img, _, err := image.Decode(rec.Body)
				if rec.Code != http.StatusOK || err != nil || img.Bounds().Dx() != v.Width || img.Bounds().Dy() != v.Height {
					t.Fatalf("GET %s: %d, %v, %v; want %d×%d", v.Key, rec.Code, err, img, v.Width, v.Height)
				}
				for header, want := range map[string]string{
					"Content-Type":           media.TypeJPEG,
					"Cache-Control":          "public, max-age=31536000, immutable",
					"X-Content-Type-Options": "nosniff",
				} {
					if got := rec.Header().Get(header); got != want {
						t.Errorf("GET %s: %s %q, want %q", v.Key, header, got, want)
					}
				}
				if !strings.Contains(rec.Header().Get("Content-Security-Policy"), "sandbox") {
					t.Errorf("GET %s: no sandbox", v.Key)
				}
			}

			// Puts never replace: a variant already there stays.
			planted := []byte("planted by another replica")
			second := rig.add(t, jpegOf(t, 500, 500))
			thumb := media.Variants(second, rig.presets)[0].Key
			if err := media.PlantForTest(s, thumb, planted); err != nil {
				t.Fatal(err)
			}
			if err := s.MakeVariants(ctx, second); err != nil {
				t.Fatal(err)
			}
			if got := getKey(t, h, thumb).Body.Bytes(); !bytes.Equal(got, planted) {
				t.Errorf("MakeVariants replaced a stored variant: %q", got)
			}
			if made, err := s.EnsureVariants(ctx, second); err != nil || made {
				t.Errorf("EnsureVariants of a complete image = %v, %v; want nothing made", made, err)
			}

			// Not variants in force: 404, nothing made.
			base := strings.TrimSuffix(src.Key, ".jpg")
			asked := rig.asked.Load()
			for _, key := range []string{base + ".321w.jpg", base + ".100x100.png", base + ".1001w.jpg"} {
				if rec := getKey(t, h, key); rec.Code != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", key, rec.Code)
				}
				if _, err := s.Stat(ctx, key); err == nil {
					t.Errorf("%s was made", key)
				}
			}
			if rig.asked.Load() != asked+3 {
				t.Errorf("Sources asked %d times for 3 unknown variants", rig.asked.Load()-asked)
			}
			asked = rig.asked.Load()
			for _, key := range []string{base + ".0320w.jpg", base + ".320.jpg", base + ".320w.gif", base + ".320w.jpg.jpg", base + "x.320w.jpg", "products/" + path.Base(base) + ".320w.jpg", base + ".320w"} {
				if rec := getKey(t, h, key); rec.Code != http.StatusNotFound {
					t.Errorf("GET %s: %d, want 404", key, rec.Code)
				}
			}
			if rig.asked.Load() != asked {
				t.Errorf("Sources asked about keys of no variant's shape")
			}

			// The sweep: variants of a row's image in force stay, others go.
			orphan := strings.TrimSuffix(strings.Replace(src.Key, path.Base(base), media.GeneratedNameForTest(), 1), ".jpg") + ".100x100.jpg"
			stale := base + ".999w.jpg"
			for _, k := range []string{orphan, stale} {
				if err := media.PlantForTest(s, k, []byte("x")); err != nil {
					t.Fatal(err)
				}
			}
			referenced := func(_ context.Context, keys []string) (map[string]bool, error) {
				out := map[string]bool{}
				for _, k := range keys {
					out[k] = true // every original is a row's
				}
				return out, nil
			}
			time.Sleep(10 * time.Millisecond)
			n, err := s.Sweep(ctx, time.Nanosecond, referenced)
			if err != nil || n != 2 {
				t.Fatalf("Sweep = %d, %v; want the 2 orphan variants", n, err)
			}
			for _, v := range variants {
				if _, err := s.Stat(ctx, v.Key); err != nil {
					t.Errorf("%s was swept: %v", v.Key, err)
				}
			}

			// Deleting an image (its row, then its keys) removes its
			// variants.
			rig.mu.Lock()
			delete(rig.rows, base)
			rig.mu.Unlock()
			if err := s.Delete(ctx, append([]string{src.Key}, media.VariantKeys(src, rig.presets)...)...); err != nil {
				t.Fatal(err)
			}
			for _, v := range variants {
				if rec := getKey(t, h, v.Key); rec.Code != http.StatusNotFound {
					t.Errorf("GET %s after Delete: %d", v.Key, rec.Code)
				}
			}
		})
	}
}

// TestRenditionsPhonePhotoUpright: the variants of a sideways phone photo
// are upright, at the displayed size, without metadata.
func TestRenditionsPhonePhotoUpright(t *testing.T) {
	rig := newRenditionRig(t, func(opts media.Options) *media.Store { opts.StripMetadata = true; return backendsWith(opts)["disk"](t) })
	src := rig.add(t, mediatest.PhonePhoto(t, 800, 600))
	if src.Width != 600 || src.Height != 800 || src.VariantType != media.TypeJPEG {
		t.Fatalf("source %+v, want 600×800 JPEG", src)
	}
	for _, v := range media.Variants(src, rig.presets) {
		rec := getKey(t, rig.store.Handler(), v.Key)
		body := rec.Body.Bytes()
		img, _, err := image.Decode(bytes.NewReader(body))
		if err != nil || img.Bounds().Dx() != v.Width || img.Bounds().Dy() != v.Height {
			t.Fatalf("%s: %v %v, want %d×%d", v.Key, err, img.Bounds(), v.Width, v.Height)
		}
		r, _, b, _ := img.At(img.Bounds().Dx()/4, img.Bounds().Dy()/4).RGBA()
		if b>>8 < 180 || r>>8 > 80 {
			t.Errorf("%s: top-left is not blue (%d,%d): not upright", v.Key, r>>8, b>>8)
		}
		if bytes.Contains(body, []byte("Exif")) {
			t.Errorf("%s carries EXIF", v.Key)
		}
	}
}

// TestRenditionsServedOnceStored: a first GET answers as soon as its own
// variant is stored, and so do concurrent GETs of the image's other
// variants, while the piece of work goes on to its end (OnMade, held
// here); MakeVariants still returns only then.
func TestRenditionsServedOnceStored(t *testing.T) {
	rig := newRenditionRig(t, func(opts media.Options) *media.Store { return backendsWith(opts)["disk"](t) })
	hold := make(chan struct{})
	release := sync.OnceFunc(func() { close(hold) })
	t.Cleanup(release) // before the store's Close, which waits for the work
	rig.hold = hold
	s, h := rig.store, rig.store.Handler()
	src := rig.add(t, jpegOf(t, 1000, 800))
	variants := media.Variants(src, rig.presets)
	var wg sync.WaitGroup
	for _, v := range variants {
		wg.Go(func() {
			rec := getKey(t, h, v.Key)
			img, _, err := image.Decode(rec.Body)
			if rec.Code != http.StatusOK || err != nil || img.Bounds().Dx() != v.Width || img.Bounds().Dy() != v.Height {
				t.Errorf("GET %s: %d, %v; want %d×%d", v.Key, rec.Code, err, v.Width, v.Height)
			}
		})
	}
	answered := make(chan struct{})
	go func() { wg.Wait(); close(answered) }()
	select {
	case <-answered:
	case <-time.After(20 * time.Second):
		t.Fatal("the GETs did not answer before the piece of work ended")
	}
	made := make(chan error, 1)
	go func() { made <- s.MakeVariants(context.Background(), src) }()
	select {
	case err := <-made:
		t.Fatalf("MakeVariants returned (%v) before the piece of work it joined ended", err)
	case <-time.After(50 * time.Millisecond):
	}
	if n := rig.made.Load(); n != 0 {
		t.Fatalf("OnMade answered %d times while held", n)
	}
	release()
	if err := <-made; err != nil {
		t.Fatal(err)
	}
	if n := rig.made.Load(); n != 1 {
		t.Errorf("%d pieces of work for the GETs and MakeVariants of one image, want 1", n)
	}
}

// TestRenditionsFailureReachesWaitingGETs: GETs waiting for variants whose
// piece of work fails get its outcome: the original when the image cannot
// be rendered, 404 when it is gone.
func TestRenditionsFailureReachesWaitingGETs(t *testing.T) {
	rig := newRenditionRig(t, func(opts media.Options) *media.Store { return backendsWith(opts)["disk"](t) })
	s, h := rig.store, rig.store.Handler()
	ctx := context.Background()
	broken := rig.add(t, jpegOf(t, 600, 400))
	good := jpegOf(t, 600, 400)
	if err := media.PlantForTest(s, broken.Key, good[:len(good)/3]); err != nil { // truncated after the checks
		t.Fatal(err)
	}
	gone := rig.add(t, jpegOf(t, 600, 400))
	if err := s.Delete(ctx, gone.Key); err != nil { // its row stays
		t.Fatal(err)
	}
	for _, c := range []struct {
		src  media.Source
		code int
	}{{broken, http.StatusFound}, {gone, http.StatusNotFound}} {
		var wg sync.WaitGroup
		for _, v := range media.Variants(c.src, rig.presets) {
			wg.Go(func() {
				rec := getKey(t, h, v.Key)
				if rec.Code != c.code {
					t.Errorf("GET %s: %d, want %d", v.Key, rec.Code, c.code)
				}
				if c.code == http.StatusFound && rec.Header().Get("Location") != path.Base(c.src.Key) {
					t.Errorf("GET %s: Location %q, want the original", v.Key, rec.Header().Get("Location"))
				}
			})
		}
		wg.Wait()
	}
	media.WaitVariantJobsForTest(s)
	if rig.failed.Load() == 0 {
		t.Error("OnUnrenderable was not told")
	}
	if rig.made.Load() != 0 {
		t.Errorf("OnMade told of %d images whose variants failed", rig.made.Load())
	}
}
