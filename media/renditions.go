package media

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Renditions: every stored image gets one variant per preset (Preset),
// made from one decode of the original, after its row commits (Enqueue,
// or MakeVariants when the caller must wait), on the first GET of a
// variant not yet made (the handler), or by a backfill (EnsureVariants).
// A variant's key is derived from its original's: the original's name,
// the preset's spec and the variant's extension —
// "products/images/<name>.100x100.jpg", "products/images/<name>.320w.jpg"
// — so that it is served, swept and deleted with its original, and a
// preset whose size changes gets new keys (the old files are swept).
// Where each original's row is, media does not know: the caller answers
// (RenditionOptions.Sources) and records what was made (OnMade,
// OnUnrenderable).

// Source is a stored image as its renditions need it: where it is, its
// size as displayed, and the content type its variants are made in.
type Source struct {
	Key           string // the original's key
	Width, Height int    // as displayed (orientation applied)
	// VariantType is TypeJPEG or TypePNG (VariantType), or empty when its
	// variants cannot be made: the original stands in for them.
	VariantType string
}

// VariantType is the content type of an image's variants: PNG where the
// image may hold transparency (alpha: decided from its header when it was
// staged), JPEG otherwise.
func VariantType(contentType string, alpha bool) string {
	if !isImageType(contentType) {
		return ""
	}
	if alpha && contentType != TypeJPEG {
		return TypePNG
	}
	return TypeJPEG
}

// Variant is one preset's variant of a Source.
type Variant struct {
	Preset        Preset
	Key           string
	Width, Height int
	ContentType   string
}

// Variants lists the variants of src, one per preset in the order given.
// It reads nothing: the keys and sizes follow from src. Empty when src's
// variants cannot be made.
func Variants(src Source, presets []Preset) []Variant {
	if src.VariantType == "" || src.Width <= 0 || src.Height <= 0 {
		return nil
	}
	base := strings.TrimSuffix(src.Key, path.Ext(src.Key))
	ext := "." + ExtForContentType(src.VariantType)
	out := make([]Variant, len(presets))
	for i, p := range presets {
		w, h := p.Size(src.Width, src.Height)
		out[i] = Variant{Preset: p, Key: base + "." + p.spec(src.Width, src.Height) + ext, Width: w, Height: h, ContentType: src.VariantType}
	}
	return out
}

// VariantKeys are the keys of src's variants, each once (presets wider
// than the image share one file).
func VariantKeys(src Source, presets []Preset) []string {
	var keys []string
	for _, v := range Variants(src, presets) {
		if !slices.Contains(keys, v.Key) {
			keys = append(keys, v.Key)
		}
	}
	return keys
}

// variantExts are the extensions of variants' keys.
var variantExts = map[string]bool{"jpg": true, "png": true}

// variantKey splits a key of the shape of a variant's — an upload prefix,
// a generated name, a spec ("100x100", "320w") and "jpg" or "png" — into
// its original's key without extension (base) and the rest; ok is false
// for any other key.
func (s *Store) variantKey(key string) (base string, ok bool) {
	slash := strings.LastIndexByte(key, '/')
	if slash < 0 || !s.uploadPrefix(key[:slash+1]) {
		return "", false
	}
	name, rest, ok := strings.Cut(key[slash+1:], ".")
	if !ok || !generatedName(name) {
		return "", false
	}
	spec, ext, ok := strings.Cut(rest, ".")
	if !ok || !variantExts[ext] || !validSpec(spec) {
		return "", false
	}
	return key[:slash+1] + name, true
}

// validSpec reports whether spec is one Preset.spec makes: "320w" or
// "100x100", sides of 1 to 4 digits without leading zeros.
func validSpec(spec string) bool {
	if w, ok := strings.CutSuffix(spec, "w"); ok {
		return validSide(w)
	}
	w, h, ok := strings.Cut(spec, "x")
	return ok && validSide(w) && validSide(h)
}

func validSide(s string) bool {
	if len(s) == 0 || len(s) > 4 || s[0] == '0' {
		return false
	}
	_, err := strconv.Atoi(s)
	return err == nil && !strings.ContainsAny(s, "+-")
}

// servedKey reports whether key has the shape of a key Put or the
// renditions make: only those are looked up, served and swept.
func (s *Store) servedKey(key string) bool {
	if s.generatedKey(key) {
		return true
	}
	_, ok := s.variantKey(key)
	return ok
}

// RenditionOptions turn renditions on (Options.Renditions).
type RenditionOptions struct {
	// Presets are the variants every image gets, smallest first
	// (ParsePresets).
	Presets []Preset
	// Sources finds the stored images named by bases (an original's key
	// without its extension: "products/images/<name>"), keyed by base; a
	// base no row names is missing from the map. The handler asks it
	// about a variant not yet made, and the sweep about the variants it
	// lists.
	Sources func(ctx context.Context, bases []string) (map[string]Source, error)
	// OnMade is told the placeholder once src's variants are stored, and
	// reports whether a row still names src: when it does not (the image
	// was deleted while its variants were being made), they are removed
	// again, so that none outlives its original.
	OnMade func(ctx context.Context, src Source, placeholder string) (bool, error)
	// OnUnrenderable is told that src cannot be decoded into variants (a
	// crafted file that passed the checks): the caller records it, and the
	// original stands in for its variants from then on.
	OnUnrenderable func(ctx context.Context, src Source, err error)
	// Workers make the variants of enqueued images; 0 is 1. Every decode
	// also waits for its pixels in the decode budget it shares with the
	// checks (Options.DecodeBudget).
	Workers int
	// Queue is how many images may wait for a worker; 0 is 256. An image
	// that finds the queue full is made on its variants' first GET, or by
	// the backfill.
	Queue int
	// Observe, if set, is told each image's outcome ("made",
	// "unrenderable", "failed", "dropped") and the time it took.
	Observe func(outcome string, took time.Duration)
}

// ErrUnrenderable marks an image whose variants cannot be made from its
// bytes (as opposed to a storage failure while making them).
var ErrUnrenderable = errors.New("media: image cannot be rendered")

// renditions makes variants: a pool of workers behind a bounded queue,
// one piece of work per original at a time (a variantJob: the worker and
// concurrent GETs of its variants share it).
type renditions struct {
	opts  RenditionOptions
	queue chan Source

	mu      sync.Mutex
	closed  bool
	stop    chan struct{}
	workers sync.WaitGroup
	jobs    map[string]*variantJob // by original's key, while in the making
	running sync.WaitGroup         // the jobs' goroutines
}

// variantJob is the making of one original's variants, shared by all who
// want them. It is more than a singleflight call because a GET wants one
// variant, not all: each key's channel is closed as soon as that variant
// is stored, so that a first GET answers then, while the job goes on with
// the others (and ends, after the last put, with OnMade).
type variantJob struct {
	stored map[string]chan struct{} // by variant key; read-only once the job starts
	done   chan struct{}            // closed when the job has ended, err set
	err    error
}

// beginVariants returns the job making src's variants, starting it if
// none is under way. The job runs in its own goroutine, to its end
// whoever stops waiting for it, with ctx's values but not its
// cancellation. Once the store is closing, it runs in the caller's
// goroutine instead (nothing is left running after Close).
func (s *Store) beginVariants(ctx context.Context, src Source) *variantJob {
	r := s.renditions
	r.mu.Lock()
	if j, ok := r.jobs[src.Key]; ok {
		r.mu.Unlock()
		return j
	}
	j := &variantJob{stored: make(map[string]chan struct{}), done: make(chan struct{})}
	for _, k := range VariantKeys(src, r.opts.Presets) {
		j.stored[k] = make(chan struct{})
	}
	ctx = context.WithoutCancel(ctx)
	if r.closed {
		r.mu.Unlock()
		j.err = s.makeVariants(ctx, src, j.markStored)
		close(j.done)
		return j
	}
	r.jobs[src.Key] = j
	r.running.Add(1)
	r.mu.Unlock()
	go func() {
		defer r.running.Done()
		err := s.makeVariants(ctx, src, j.markStored)
		r.mu.Lock()
		delete(r.jobs, src.Key) // a later call starts afresh, as with singleflight
		r.mu.Unlock()
		j.err = err
		close(j.done)
	}()
	return j
}

// waitVariantJobs waits for the jobs making the variants of the originals
// among keys (Delete), or for ctx.
func (s *Store) waitVariantJobs(ctx context.Context, keys []string) {
	r := s.renditions
	if r == nil {
		return
	}
	var running []*variantJob
	r.mu.Lock()
	for _, k := range keys {
		if j, ok := r.jobs[k]; ok {
			running = append(running, j)
		}
	}
	r.mu.Unlock()
	for _, j := range running {
		select {
		case <-j.done:
		case <-ctx.Done():
			return
		}
	}
}

// markStored tells whoever waits for key that it is stored (once per key:
// makeVariants stores each key once).
func (j *variantJob) markStored(key string) {
	if ch, ok := j.stored[key]; ok {
		close(ch)
	}
}

func (s *Store) startRenditions(opts RenditionOptions) {
	if opts.Workers <= 0 {
		opts.Workers = 1
	}
	if opts.Queue <= 0 {
		opts.Queue = 256
	}
	r := &renditions{opts: opts, queue: make(chan Source, opts.Queue), stop: make(chan struct{}), jobs: make(map[string]*variantJob)}
	s.renditions = r
	for range opts.Workers {
		r.workers.Go(func() {
			for {
				select {
				case <-r.stop:
					return
				case src := <-r.queue:
					// Unless a GET made them meanwhile. A failure was
					// reported (OnUnrenderable, Observe), or is made good
					// on demand and by the backfill.
					_, _ = s.EnsureVariants(context.Background(), src)
				}
			}
		})
	}
}

// closeRenditions stops the workers once the variants in the making are
// stored (the jobs that GETs started included: they outlive the GETs);
// what is still queued is made on demand or by the backfill.
func (s *Store) closeRenditions() {
	r := s.renditions
	if r == nil {
		return
	}
	r.mu.Lock()
	if !r.closed {
		r.closed = true
		close(r.stop)
	}
	r.mu.Unlock()
	r.workers.Wait()
	// No job starts in the background once closed is set (beginVariants).
	r.running.Wait()
}

// Presets are the rendition presets in force (none when renditions are
// off).
func (s *Store) Presets() []Preset {
	if s.renditions == nil {
		return nil
	}
	return s.renditions.opts.Presets
}

// Enqueue asks for src's variants to be made in the background. It never
// waits; it reports whether src was queued (false: renditions are off, the
// store is closing, or the queue is full — the variants are then made on
// their first GET or by the backfill).
func (s *Store) Enqueue(src Source) bool {
	r := s.renditions
	if r == nil || src.VariantType == "" {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	select {
	case r.queue <- src:
		return true
	default:
		r.observe("dropped", 0)
		return false
	}
}

func (r *renditions) observe(outcome string, took time.Duration) {
	if r.opts.Observe != nil {
		r.opts.Observe(outcome, took)
	}
}

// MakeVariants makes and stores every variant of src from one decode of
// the original, and returns once they are all stored (and OnMade has
// answered). Concurrent calls for one original, and first GETs of its
// variants, share one piece of work, which runs to its end even if ctx is
// cancelled (others may be waiting for it). A variant already stored is
// kept as it is (puts never replace). An error wrapping ErrUnrenderable
// means the image cannot be decoded into variants (OnUnrenderable was
// told).
func (s *Store) MakeVariants(ctx context.Context, src Source) error {
	r := s.renditions
	if r == nil || src.VariantType == "" {
		return nil
	}
	j := s.beginVariants(ctx, src)
	<-j.done
	return j.err
}

// makeVariants renders src's variants and stores each as soon as it is
// encoded, telling stored its key once it is (before OnMade: a GET may
// serve it then), and calls OnMade after the last put.
func (s *Store) makeVariants(ctx context.Context, src Source, stored func(key string)) (err error) {
	r := s.renditions
	start := time.Now()
	defer func() {
		switch {
		case err == nil:
			r.observe("made", time.Since(start))
		case errors.Is(err, ErrUnrenderable):
			r.observe("unrenderable", time.Since(start))
		default:
			r.observe("failed", time.Since(start))
		}
	}()
	variants := Variants(src, r.opts.Presets)
	var keys []string // stored, each once
	var putErr error
	placeholder, err := s.render(ctx, src, func(i int, rd Rendition) {
		if putErr != nil || i >= len(variants) || slices.Contains(keys, variants[i].Key) {
			return
		}
		v := variants[i]
		if putErr = s.backend.putBytes(ctx, v.Key, rd.Data, v.ContentType); putErr != nil {
			return
		}
		keys = append(keys, v.Key)
		stored(v.Key)
	})
	if err != nil {
		if errors.Is(err, ErrUnrenderable) && r.opts.OnUnrenderable != nil {
			r.opts.OnUnrenderable(ctx, src, err)
		}
		return err
	}
	if putErr != nil {
		return putErr
	}
	if r.opts.OnMade != nil {
		// After the puts: a deletion that committed before this answer is
		// seen here; one that commits after it removes the variants
		// itself.
		named, err := r.opts.OnMade(ctx, src, placeholder)
		if err == nil && !named {
			if err := s.Delete(ctx, keys...); err != nil {
				return err
			}
			return fmt.Errorf("media: %s: %w", src.Key, ErrNotFound)
		}
	}
	return nil
}

// render decodes the original once, within the decode budget, and hands
// every preset's variant to each as soon as it is encoded
// (makeRenditions); it returns the placeholder.
func (s *Store) render(ctx context.Context, src Source, each func(i int, r Rendition)) (string, error) {
	weight := min(int64(src.Width)*int64(src.Height), s.decodeBudget)
	if err := s.decodeGate.Acquire(ctx, weight); err != nil {
		return "", err
	}
	defer s.decodeGate.Release(weight)
	f, err := s.Open(ctx, src.Key)
	if err != nil {
		return "", err
	}
	defer f.Close()
	br := bufio.NewReaderSize(storageReader{f, src.Key}, headLen)
	orientation := 1
	if strings.HasSuffix(src.Key, ".jpg") {
		head, _ := br.Peek(headLen) // fewer bytes for a short file: all of it
		orientation = jpegOrientation(head)
	}
	placeholder, err := makeRenditions(br, orientation, s.renditions.opts.Presets, src.VariantType, each)
	if err != nil {
		var se *storageError
		if errors.As(err, &se) || errors.Is(err, ErrStorage) {
			return "", err
		}
		return "", fmt.Errorf("%w: %s: %w", ErrUnrenderable, src.Key, err)
	}
	return placeholder, nil
}

// storageReader marks the errors of reading a stored file as the
// storage's (ErrStorage), so that a bucket that fails in the middle of a
// decode is not taken for an image that cannot be rendered (which would be
// recorded for good). A file that ends early is io.EOF, unmarked: the
// decoder's verdict on it stands.
type storageReader struct {
	r   io.Reader
	key string
}

func (s storageReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF {
		err = storageErr("reading "+s.key, err)
	}
	return n, err
}

// EnsureVariants makes src's variants if any is missing (the backfill,
// and the start-up pass that makes good what a crash or a full queue
// left undone). It reports whether it made them.
func (s *Store) EnsureVariants(ctx context.Context, src Source) (bool, error) {
	if s.renditions == nil || src.VariantType == "" {
		return false, nil
	}
	for _, key := range VariantKeys(src, s.renditions.opts.Presets) {
		_, err := s.backend.stat(ctx, key)
		if errors.Is(err, ErrNotFound) {
			return true, s.MakeVariants(ctx, src)
		}
		if err != nil {
			return false, err
		}
	}
	return false, nil
}

// liveVariants reports which of keys (each of a variant's shape) are
// variants in force of an image a row names: the others are orphans for
// the sweep (their original is gone, their preset was removed or resized,
// or they are of the other content type).
func (s *Store) liveVariants(ctx context.Context, keys []string) (map[string]bool, error) {
	live := make(map[string]bool, len(keys))
	if s.renditions == nil || len(keys) == 0 {
		return live, nil
	}
	var bases []string
	for _, k := range keys {
		if base, ok := s.variantKey(k); ok && !slices.Contains(bases, base) {
			bases = append(bases, base)
		}
	}
	sources, err := s.renditions.opts.Sources(ctx, bases)
	if err != nil {
		return nil, err
	}
	for _, src := range sources {
		for _, k := range VariantKeys(src, s.renditions.opts.Presets) {
			live[k] = true
		}
	}
	return live, nil
}
