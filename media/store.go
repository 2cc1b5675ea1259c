package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"
)

// sweepBatch is how many keys Sweep asks about at once.
const sweepBatch = 500

// Store keeps files under server-generated keys on one backend: local disk
// (localBackend: os.Root, durable with fsync) or a gocloud.dev/blob bucket
// (bucketBackend). What is common — the shape of keys, staging, checks,
// the sweep's logic, the handler's headers — is the Store's.
type Store struct {
	backend backend
	local   bool // backend is local disk: staged files are written past the page cache

	// Temporaries: tmp is the directory staged files go to and tmpPrefix
	// their names' prefix within it (".tmp/" inside a local root).
	tmp       *os.Root
	tmpPrefix string

	wrapWriter func(io.Writer) io.Writer // Options.WrapWriter
	prefixes   []string                  // Options.Prefixes, sorted, without repeats

	decodeGate   *semaphore.Weighted // pixels of full image decodes in flight
	decodeBudget int64

	renditions *renditions // nil: renditions are off

	readBuffers sync.Pool // read-ahead buffers of Stage

	stripMetadata bool // Options.StripMetadata
}

// backend is where a Store keeps its files. Keys reach it checked
// (validKey, and generatedKey where the Store says so); errors are the
// package's (storageErr, ErrNotFound).
type backend interface {
	// put stores the staged file at key and returns the key it took (local
	// disk picks another generated name under prefix should key exist).
	put(ctx context.Context, prefix, key string, st *Staged) (string, error)
	stat(ctx context.Context, key string) (Info, error)
	open(ctx context.Context, key string) (io.ReadSeekCloser, error)
	// remove deletes key; a missing key is not an error.
	remove(ctx context.Context, key string) error
	// list visits the stored keys keep takes, directly under each prefix
	// (anywhere when there are none), with their modification times.
	list(ctx context.Context, prefixes []string, keep func(string) bool, visit func(string, time.Time) error) error
	// storedByPut reports whether the file at key is one Put wrote (not
	// one planted under a name of the same shape).
	storedByPut(ctx context.Context, key string) bool
	// serve answers a GET or HEAD of key (headers common to every answer
	// are set); false, with nothing written, when there is no such file.
	serve(w http.ResponseWriter, r *http.Request, key string) bool
	// putBytes stores data the server made at key, unless a file is there
	// already (it never replaces one).
	putBytes(ctx context.Context, key string, data []byte, contentType string) error
	signedURL(ctx context.Context, key string, ttl time.Duration) (string, error)
	ping(ctx context.Context) error
	// removeTemporaries removes what earlier runs left staged.
	removeTemporaries() (int, error)
	close() error
}

var (
	_ backend = (*localBackend)(nil)
	_ backend = (*bucketBackend)(nil)
)

// DefaultDecodeBudget is how many pixels full image decodes may hold at
// once (about 192 MB of decoded RGBA).
const DefaultDecodeBudget = 48_000_000

// Options adjust a Store.
type Options struct {
	// WrapWriter, if set, wraps every writer of file content (staging and
	// uploads to a bucket): for fault injection in tests, or accounting.
	WrapWriter func(io.Writer) io.Writer
	// DecodeBudget bounds the pixels of full image decodes in flight
	// (Store.Check); 0 is DefaultDecodeBudget.
	DecodeBudget int64
	// Prefixes are the upload prefixes in use ("products/images/",
	// "documents/"): Put stores under these only, and only keys directly
	// under one of them are served and swept, so that the handler never
	// asks a bucket shared with other software for an object mediagraph
	// did not make. Empty allows any prefix of one or more valid segments
	// (still never none).
	Prefixes []string
	// Renditions, if set, has every stored image's variants made (see
	// RenditionOptions), served and swept.
	Renditions *RenditionOptions
	// StripMetadata removes from images, as they are staged, what betrays
	// their owner (GPS position, maker notes, serial numbers, XMP, IPTC,
	// comments, EXIF previews, data after the image) without re-encoding
	// their pixels; a JPEG keeps its orientation, and every image its
	// colour profile (IMAGE_METADATA=strip; false is keep).
	StripMetadata bool
}

// Open opens the storage named by storageURL: a directory path or
// file:///abs/dir is local disk (created if missing); any other URL with a
// scheme is a gocloud.dev/blob bucket (the caller imports its driver).
func Open(ctx context.Context, storageURL string) (*Store, error) {
	return OpenWith(ctx, storageURL, Options{})
}

// OpenWith is Open with options.
func OpenWith(ctx context.Context, storageURL string, opts Options) (*Store, error) {
	for _, p := range opts.Prefixes {
		if p == "" || !validPrefix(p) {
			return nil, fmt.Errorf("media: upload prefix %q: want one or more segments, each followed by a slash (\"images/\")", p)
		}
	}
	s, err := open(ctx, storageURL, opts.WrapWriter)
	if err != nil {
		return nil, err
	}
	s.prefixes = slices.Compact(slices.Sorted(slices.Values(opts.Prefixes)))
	s.wrapWriter = opts.WrapWriter
	s.stripMetadata = opts.StripMetadata
	s.decodeBudget = opts.DecodeBudget
	if s.decodeBudget <= 0 {
		s.decodeBudget = DefaultDecodeBudget
	}
	s.decodeGate = semaphore.NewWeighted(s.decodeBudget)
	if opts.Renditions != nil {
		s.startRenditions(*opts.Renditions)
	}
	return s, nil
}

func open(ctx context.Context, storageURL string, wrapWriter func(io.Writer) io.Writer) (*Store, error) {
	dir, local := localDir(storageURL)
	if !local {
		b, err := openBucket(ctx, storageURL)
		if err != nil {
			return nil, err
		}
		b.wrapWriter = wrapWriter
		return &Store{backend: b, tmp: b.tmp}, nil
	}
	l, err := openLocal(dir)
	if err != nil {
		return nil, err
	}
	return &Store{backend: l, local: true, tmp: l.root, tmpPrefix: tmpDir + "/"}, nil
}

func localDir(storageURL string) (string, bool) {
	if p, ok := strings.CutPrefix(storageURL, "file://"); ok {
		return p, true
	}
	if strings.Contains(storageURL, "://") {
		return "", false
	}
	return storageURL, true
}

// Local reports whether the store is on local disk.
func (s *Store) Local() bool { return s.local }

// Close releases the store, once the variants being made are stored.
func (s *Store) Close() error {
	s.closeRenditions()
	return s.backend.close()
}

// Ping checks that the storage answers.
func (s *Store) Ping(ctx context.Context) error { return s.backend.ping(ctx) }

// Put stores a staged file under a new key: prefix (one of
// Options.Prefixes, when set), a generated unique name, and the extension
// of its sniffed type, which must be one media serves (not "bin"). On local
// disk the file is synced, renamed into place (it appears only complete)
// and its directory synced, so the key is durable when Put returns. The
// Staged is consumed.
func (s *Store) Put(ctx context.Context, prefix string, st *Staged) (File, error) {
	if st.consumed {
		return File{}, errors.New("media: staged file already stored or closed")
	}
	if !s.uploadPrefix(prefix) {
		return File{}, fmt.Errorf("media: storing under %q: not an upload prefix", prefix)
	}
	key := prefix + randomName() + "." + st.Ext
	if !s.generatedKey(key) {
		// A key the handler would never serve nor Sweep remove.
		return File{}, fmt.Errorf("media: storing %s: not a type media stores", st.ContentType)
	}
	key, err := s.backend.put(ctx, prefix, key, st)
	if err != nil {
		return File{}, err
	}
	return File{Key: key, Name: st.Name, Size: st.Size, ContentType: st.ContentType, SHA256: st.SHA256, Width: st.Width, Height: st.Height, Alpha: st.Alpha}, nil
}

// SignedURL returns a presigned GET URL of a bucket object, valid for ttl.
// Local disk has none.
func (s *Store) SignedURL(ctx context.Context, key string, ttl time.Duration) (string, error) {
	return s.backend.signedURL(ctx, key, ttl)
}

// Delete removes the files at keys. A missing key is not an error. An
// original whose variants are being made is removed once that job has
// ended: its rows are gone by then, so the job removes the variants it
// stored, and none is served after Delete returns.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	s.waitVariantJobs(ctx, keys)
	var errs []error
	for _, key := range keys {
		if !validKey(key) {
			errs = append(errs, fmt.Errorf("media: deleting %q: invalid key", key))
			continue
		}
		if err := s.backend.remove(ctx, key); err != nil {
			errs = append(errs, storageErr("deleting "+key, err))
		}
	}
	return errors.Join(errs...)
}

// Sweep removes stored files older than grace that no row references, as
// told by referenced (asked in batches). It returns how many it removed.
// Only keys of the shape Put makes are considered (see Options.Prefixes):
// whatever else a shared bucket or directory holds is never listed to
// referenced nor removed, however old. Variants (keys derived from an
// original's) are removed when they are not variants in force of an image
// a row names (RenditionOptions.Sources), or all of them when renditions
// are off.
func (s *Store) Sweep(ctx context.Context, grace time.Duration, referenced func(ctx context.Context, keys []string) (map[string]bool, error)) (int, error) {
	cutoff := time.Now().Add(-grace)
	removed := 0
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var originals, variants []string
		for _, k := range batch {
			if s.generatedKey(k) {
				originals = append(originals, k)
			} else {
				variants = append(variants, k)
			}
		}
		refs, err := referenced(ctx, originals)
		if err != nil {
			return fmt.Errorf("media: sweep: %w", err)
		}
		live, err := s.liveVariants(ctx, variants)
		if err != nil {
			return fmt.Errorf("media: sweep: %w", err)
		}
		var orphans []string
		for _, k := range batch {
			if !refs[k] && !live[k] && s.backend.storedByPut(ctx, k) {
				orphans = append(orphans, k)
			}
		}
		batch = batch[:0]
		if err := s.Delete(ctx, orphans...); err != nil {
			return err
		}
		removed += len(orphans)
		return nil
	}
	visit := func(key string, modTime time.Time) error {
		if modTime.After(cutoff) {
			return nil
		}
		batch = append(batch, key)
		if len(batch) >= sweepBatch {
			return flush()
		}
		return nil
	}
	if err := s.backend.list(ctx, s.prefixes, s.servedKey, visit); err != nil {
		return removed, err
	}
	return removed, flush()
}

// RemoveTemporaries removes every staged file left by an earlier run (a
// crash), whatever its age. Call it at start, before serving.
func (s *Store) RemoveTemporaries() (int, error) { return s.backend.removeTemporaries() }

// validPrefix reports whether prefix is empty or a sequence of valid key
// segments each followed by a slash ("products/images/").
func validPrefix(prefix string) bool {
	return prefix == "" || (strings.HasSuffix(prefix, "/") && validKey(strings.TrimSuffix(prefix, "/")))
}

// nameLen is the length of randomName's names: 16 bytes in base32.
const nameLen = 26

// generatedKey reports whether key has the shape of the keys Put makes: an
// upload prefix, a name randomName could have made, "." and an extension
// media serves. It implies validKey. Only such keys are served and swept:
// a bucket shared with other software, or a hand on the media directory,
// can put anything else there, and the shape refuses it before the
// storage is asked. Renditions (keys derived from an original's) will be
// one more shape here.
func (s *Store) generatedKey(key string) bool {
	slash := strings.LastIndexByte(key, '/')
	if slash < 0 || !s.uploadPrefix(key[:slash+1]) {
		return false
	}
	name, ext, ok := strings.Cut(key[slash+1:], ".")
	if !ok || !generatedName(name) {
		return false
	}
	_, known := contentTypes[ext]
	return known
}

// uploadPrefix reports whether Put stores under prefix: one of
// Options.Prefixes or, when none was given, any non-empty valid prefix.
func (s *Store) uploadPrefix(prefix string) bool {
	if len(s.prefixes) == 0 {
		return prefix != "" && validPrefix(prefix)
	}
	return slices.Contains(s.prefixes, prefix)
}

// generatedName reports whether randomName could have made name: 26
// characters of nameEncoding's alphabet. They encode 128 bits, so the last
// character carries 3 and its 2 low bits are zero.
func generatedName(name string) bool {
	if len(name) != nameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		var v byte
		switch c := name[i]; {
		case 'a' <= c && c <= 'z':
			v = c - 'a'
		case '2' <= c && c <= '7':
			v = c - '2' + 26
		default:
			return false
		}
		if i == nameLen-1 && v&3 != 0 {
			return false
		}
	}
	return true
}

// validKey reports whether key is safe to look up (Stat, Open, Delete):
// slash-separated segments, none empty or starting with a dot, no
// backslash or NUL. generatedKey is the narrower shape of the keys Put
// makes.
func validKey(key string) bool {
	if key == "" || strings.ContainsAny(key, "\\\x00") {
		return false
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || strings.HasPrefix(seg, ".") {
			return false
		}
	}
	return true
}

// Info is what Stat tells of a stored file.
type Info struct {
	Key     string
	Size    int64
	ModTime time.Time
}

// Stat describes the file stored at key; ErrNotFound if there is none.
func (s *Store) Stat(ctx context.Context, key string) (Info, error) {
	if !validKey(key) {
		return Info{}, fmt.Errorf("media: stat %q: %w", key, ErrNotFound)
	}
	return s.backend.stat(ctx, key)
}

// Open returns a reader over the file stored at key (to make renditions,
// to copy it elsewhere); ErrNotFound if there is none. A bucket object is
// read through range readers opened as needed, never buffered whole.
func (s *Store) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if !validKey(key) {
		return nil, fmt.Errorf("media: opening %q: %w", key, ErrNotFound)
	}
	return s.backend.open(ctx, key)
}
