package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
	"golang.org/x/sync/semaphore"
)

// tmpDir is where a local Store stages uploads: inside the media root, on
// the same file system (storing is a rename), and never served.
const tmpDir = ".tmp"

// sweepBatch is how many keys Sweep asks about at once.
const sweepBatch = 500

// Store keeps files under server-generated keys on one backend: local disk
// (through os.Root, durable with fsync) or a gocloud.dev/blob bucket.
type Store struct {
	root   *os.Root     // local backend: the media root; nil for a bucket
	bucket *blob.Bucket // bucket backend; nil for local disk

	// Temporaries: tmp is the directory staged files go to and tmpPrefix
	// their names' prefix within it (".tmp/" inside a local root).
	tmp       *os.Root
	tmpPrefix string
	tmpPath   string // a bucket store's own temporary directory, removed on Close

	syncedDirs sync.Map // local directories already made durable
	dirSyncs   sync.Map // directory → *dirSync: coalesced directory fsyncs
	servedDirs sync.Map // directory → *os.File: open for serving

	wrapWriter func(io.Writer) io.Writer // Options.WrapWriter
	prefixes   []string                  // Options.Prefixes, sorted, without repeats

	decodeGate   *semaphore.Weighted // pixels of full image decodes in flight
	decodeBudget int64

	readBuffers sync.Pool // read-ahead buffers of Stage
}

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
	s, err := open(ctx, storageURL)
	if err != nil {
		return nil, err
	}
	s.prefixes = slices.Compact(slices.Sorted(slices.Values(opts.Prefixes)))
	s.wrapWriter = opts.WrapWriter
	s.decodeBudget = opts.DecodeBudget
	if s.decodeBudget <= 0 {
		s.decodeBudget = DefaultDecodeBudget
	}
	s.decodeGate = semaphore.NewWeighted(s.decodeBudget)
	return s, nil
}

func open(ctx context.Context, storageURL string) (*Store, error) {
	dir, local := localDir(storageURL)
	if !local {
		bucket, err := blob.OpenBucket(ctx, storageURL)
		if err != nil {
			return nil, fmt.Errorf("media: opening bucket: %w", err)
		}
		tmpPath, err := newStagingDir()
		if err != nil {
			bucket.Close()
			return nil, fmt.Errorf("media: creating staging directory: %w", err)
		}
		tmp, err := os.OpenRoot(tmpPath)
		if err != nil {
			bucket.Close()
			os.RemoveAll(tmpPath)
			return nil, fmt.Errorf("media: opening staging directory: %w", err)
		}
		return &Store{bucket: bucket, tmp: tmp, tmpPath: tmpPath}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("media: creating media root: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("media: opening media root: %w", err)
	}
	if err := root.MkdirAll(tmpDir, 0o700); err != nil {
		root.Close()
		return nil, fmt.Errorf("media: creating %s: %w", tmpDir, err)
	}
	return &Store{root: root, tmp: root, tmpPrefix: tmpDir + "/"}, nil
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
func (s *Store) Local() bool { return s.root != nil }

// Close releases the store.
func (s *Store) Close() error {
	var errs []error
	if s.bucket != nil {
		errs = append(errs, s.bucket.Close(), s.tmp.Close(), os.RemoveAll(s.tmpPath))
	} else {
		errs = append(errs, s.root.Close())
	}
	return errors.Join(errs...)
}

// Ping checks that the storage answers.
func (s *Store) Ping(ctx context.Context) error {
	if s.bucket != nil {
		ok, err := s.bucket.IsAccessible(ctx)
		if err != nil {
			return fmt.Errorf("media: bucket: %w", err)
		}
		if !ok {
			return errors.New("media: bucket is not accessible")
		}
		return nil
	}
	if _, err := s.root.Stat(tmpDir); err != nil {
		return fmt.Errorf("media: media root: %w", err)
	}
	return nil
}

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
	var err error
	if s.bucket != nil {
		err = s.putBucket(ctx, key, st)
	} else {
		key, err = s.putLocal(prefix, key, st)
	}
	if err != nil {
		return File{}, err
	}
	return File{Key: key, Name: st.Name, Size: st.Size, ContentType: st.ContentType, SHA256: st.SHA256, Width: st.Width, Height: st.Height}, nil
}

// putLocal moves the staged file to key (or, should key exist, to another
// generated name under prefix) and returns the key it took.
func (s *Store) putLocal(prefix, key string, st *Staged) (string, error) {
	tmpName := st.tmpName
	f, err := s.root.OpenFile(tmpName, os.O_RDWR, 0)
	if err != nil {
		return "", fmt.Errorf("media: opening staged file: %w", err)
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", storageErr("syncing "+key, err)
	}
	dir := path.Dir(key)
	if err := s.makeDurableDir(dir); err != nil {
		return "", err
	}
	// A rename replaces its target: never let it. Generated names collide
	// with odds of 2⁻¹²⁸, so this check costs one lookup and never loops in
	// practice.
	for attempt := 0; ; attempt++ {
		_, err := s.root.Lstat(key)
		if errors.Is(err, fs.ErrNotExist) {
			break
		}
		if err != nil {
			return "", storageErr("checking "+key, err)
		}
		if attempt == 3 {
			return "", storageErr("storing "+key, fs.ErrExist)
		}
		key = prefix + randomName() + "." + st.Ext
	}
	err = s.root.Rename(tmpName, key)
	if errors.Is(err, fs.ErrNotExist) {
		// The directory went away behind the process's back (it is
		// remembered as made): make it again.
		s.syncedDirs.Delete(dir)
		if err := s.makeDurableDir(dir); err != nil {
			return "", err
		}
		err = s.root.Rename(tmpName, key)
	}
	if err != nil {
		return "", storageErr("storing "+key, err)
	}
	st.consumed = true
	if err := s.dirSyncer(dir).sync(func() error { return s.syncDir(dir) }); err != nil {
		s.root.Remove(key)
		return "", err
	}
	return key, nil
}

// makeDurableDir creates dir (and its parents) and, the first time this
// process sees it, syncs each one and its parent so the entries survive a
// crash.
func (s *Store) makeDurableDir(dir string) error {
	if _, ok := s.syncedDirs.Load(dir); ok {
		return nil
	}
	if err := s.root.MkdirAll(dir, 0o755); err != nil {
		return storageErr("creating "+dir, err)
	}
	for d := dir; ; d = path.Dir(d) {
		if err := s.syncDir(path.Dir(d)); err != nil {
			return err
		}
		if path.Dir(d) == "." {
			break
		}
	}
	s.syncedDirs.Store(dir, true)
	return nil
}

func (s *Store) dirSyncer(dir string) *dirSync {
	if d, ok := s.dirSyncs.Load(dir); ok {
		return d.(*dirSync)
	}
	d, _ := s.dirSyncs.LoadOrStore(dir, newDirSync())
	return d.(*dirSync)
}

// dirSync coalesces the fsyncs of one directory (group commit): a caller
// that renamed a file into it needs a sync that starts after its rename;
// callers that arrive while one runs share the next one, so concurrent
// uploads into a directory pay for about one directory fsync between them
// instead of one each.
type dirSync struct {
	mu      sync.Mutex
	cond    *sync.Cond
	running bool
	started uint64 // syncs started
	done    uint64 // syncs finished
	lastErr error  // of the sync that finished last
}

func newDirSync() *dirSync {
	d := &dirSync{}
	d.cond = sync.NewCond(&d.mu)
	return d
}

func (d *dirSync) sync(do func() error) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	need := d.started + 1 // the first sync to start from now on covers us
	for d.done < need {
		if d.running {
			d.cond.Wait()
			continue
		}
		d.running = true
		d.started++
		gen := d.started
		d.mu.Unlock()
		err := do()
		d.mu.Lock()
		d.running = false
		d.done, d.lastErr = gen, err
		d.cond.Broadcast()
	}
	return d.lastErr
}

func (s *Store) syncDir(dir string) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return storageErr("opening directory "+dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return storageErr("syncing directory "+dir, err)
	}
	return nil
}

func (s *Store) putBucket(ctx context.Context, key string, st *Staged) error {
	r, err := st.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw, err := s.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: st.ContentType})
	if err != nil {
		return storageErr("storing "+key, err)
	}
	var w io.Writer = bw
	if s.wrapWriter != nil {
		w = s.wrapWriter(bw)
	}
	if _, err := io.Copy(w, r); err != nil {
		// Cancelling before Close abandons the upload: no object appears.
		cancel()
		bw.Close()
		return storageErr("storing "+key, err)
	}
	if err := bw.Close(); err != nil {
		return storageErr("storing "+key, err)
	}
	return st.Close()
}

// SignedURL returns a presigned GET URL of a bucket object, valid for ttl.
// Local disk has none.
func (s *Store) SignedURL(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if s.bucket == nil {
		return "", errors.New("media: signed URLs need a bucket")
	}
	u, err := s.bucket.SignedURL(ctx, key, &blob.SignedURLOptions{Expiry: ttl, Method: http.MethodGet})
	if err != nil {
		return "", fmt.Errorf("media: signing %s: %w", key, err)
	}
	return u, nil
}

// Delete removes the files at keys. A missing key is not an error.
func (s *Store) Delete(ctx context.Context, keys ...string) error {
	var errs []error
	for _, key := range keys {
		if !validKey(key) {
			errs = append(errs, fmt.Errorf("media: deleting %q: invalid key", key))
			continue
		}
		var err error
		if s.bucket != nil {
			err = s.bucket.Delete(ctx, key)
			if gcerrors.Code(err) == gcerrors.NotFound {
				err = nil
			}
		} else {
			err = s.root.Remove(key)
			if errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		}
		if err != nil {
			errs = append(errs, storageErr("deleting "+key, err))
		}
	}
	return errors.Join(errs...)
}

// storedByPut reports whether the object at key is one Put wrote: on a
// bucket, its stored Content-Type must be the one its extension implies
// (Put stores the sniffed type, from which the extension comes). An object
// that merely has a generated-looking name — planted by other software, or
// on versitygw's posix backend a symlink, which it serves and deletes
// through with a guessed type — is left alone and never served. Local
// disk needs no check: os.Root refuses symlinks out of the root, and
// listing does not follow them.
func (s *Store) storedByPut(ctx context.Context, key string) bool {
	if s.bucket == nil {
		return true
	}
	attrs, err := s.bucket.Attributes(ctx, key)
	return err == nil && attrs.ContentType == ContentTypeForExt(strings.TrimPrefix(path.Ext(key), "."))
}

// Sweep removes stored files older than grace that no row references, as
// told by referenced (asked in batches). It returns how many it removed.
// Only keys of the shape Put makes are considered (see Options.Prefixes):
// whatever else a shared bucket or directory holds is never listed to
// referenced nor removed, however old.
func (s *Store) Sweep(ctx context.Context, grace time.Duration, referenced func(ctx context.Context, keys []string) (map[string]bool, error)) (int, error) {
	cutoff := time.Now().Add(-grace)
	removed := 0
	var batch []string
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		refs, err := referenced(ctx, batch)
		if err != nil {
			return fmt.Errorf("media: sweep: %w", err)
		}
		var orphans []string
		for _, k := range batch {
			if !refs[k] && s.storedByPut(ctx, k) {
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
	var err error
	if s.bucket != nil {
		err = s.listBucket(ctx, visit)
	} else {
		err = s.listLocal(ctx, visit)
	}
	if err != nil {
		return removed, err
	}
	return removed, flush()
}

// listLocal visits the regular files of generated keys: those directly in
// each prefix's directory, or, with no prefixes set, anywhere in the root
// outside dot-directories (the temporaries).
func (s *Store) listLocal(ctx context.Context, visit func(string, time.Time) error) error {
	if len(s.prefixes) == 0 {
		return fs.WalkDir(s.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			return s.visitLocal(p, d, visit)
		})
	}
	for _, prefix := range s.prefixes {
		dir := strings.TrimSuffix(prefix, "/")
		if ok, err := s.realDir(dir); err != nil {
			return storageErr("listing "+dir, err)
		} else if !ok {
			continue // nothing stored there yet, or a symlink: not ours
		}
		entries, err := fs.ReadDir(s.root.FS(), dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue // removed meanwhile
		}
		if err != nil {
			return storageErr("listing "+dir, err)
		}
		for _, d := range entries {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err := s.visitLocal(prefix+d.Name(), d, visit); err != nil {
				return err
			}
		}
	}
	return nil
}

// realDir reports whether dir and each of its parents is a directory of
// the root, none a symlink (Put makes real directories; the walk without
// prefixes does not follow links either): Sweep never lists or deletes
// through a link.
func (s *Store) realDir(dir string) (bool, error) {
	for end := 0; end < len(dir); {
		next := strings.IndexByte(dir[end+1:], '/')
		if next < 0 {
			end = len(dir)
		} else {
			end += 1 + next
		}
		info, err := s.root.Lstat(dir[:end])
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		if !info.IsDir() {
			return false, nil
		}
	}
	return true, nil
}

// visitLocal visits key if it is a generated key holding a regular file
// (symlinks are never stored files).
func (s *Store) visitLocal(key string, d fs.DirEntry, visit func(string, time.Time) error) error {
	if !d.Type().IsRegular() || !s.generatedKey(key) {
		return nil
	}
	info, err := d.Info()
	if err != nil {
		return nil // removed meanwhile
	}
	return visit(key, info.ModTime())
}

// listBucket visits the objects of generated keys: those directly under
// each prefix (listed with a delimiter, so a prefix's subdirectories are
// not walked), or, with no prefixes set, the whole bucket.
func (s *Store) listBucket(ctx context.Context, visit func(string, time.Time) error) error {
	if len(s.prefixes) == 0 {
		return s.listBucketWith(ctx, nil, visit)
	}
	for _, prefix := range s.prefixes {
		if err := s.listBucketWith(ctx, &blob.ListOptions{Prefix: prefix, Delimiter: "/"}, visit); err != nil {
			return err
		}
	}
	return nil
}

func (s *Store) listBucketWith(ctx context.Context, opts *blob.ListOptions, visit func(string, time.Time) error) error {
	it := s.bucket.List(opts)
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return storageErr("listing bucket", err)
		}
		if obj.IsDir || !s.generatedKey(obj.Key) {
			continue
		}
		if err := visit(obj.Key, obj.ModTime); err != nil {
			return err
		}
	}
}

// RemoveTemporaries removes every staged file left by an earlier run (a
// crash), whatever its age. Call it at start, before serving.
func (s *Store) RemoveTemporaries() (int, error) {
	if s.bucket != nil {
		return removeDeadStagingDirs()
	}
	entries, err := fs.ReadDir(s.root.FS(), tmpDir)
	if err != nil {
		return 0, fmt.Errorf("media: listing temporaries: %w", err)
	}
	n := 0
	var errs []error
	for _, e := range entries {
		if err := s.root.RemoveAll(tmpDir + "/" + e.Name()); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// stagingRoot holds the staging directories of bucket stores, one per
// process, named "<pid>-<random>", so that a later process can tell those
// of processes that died (a crash) from those still in use.
func stagingRoot() string { return filepath.Join(os.TempDir(), "mediagraph-staging") }

func newStagingDir() (string, error) {
	if err := os.MkdirAll(stagingRoot(), 0o700); err != nil {
		return "", err
	}
	return os.MkdirTemp(stagingRoot(), strconv.Itoa(os.Getpid())+"-")
}

// removeDeadStagingDirs removes the staging directories of processes that
// are gone, whatever their age.
func removeDeadStagingDirs() (int, error) {
	entries, err := os.ReadDir(stagingRoot())
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("media: listing staging directories: %w", err)
	}
	n := 0
	var errs []error
	for _, e := range entries {
		pidText, _, _ := strings.Cut(e.Name(), "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid == os.Getpid() || processAlive(pid) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(stagingRoot(), e.Name())); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

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
	if s.bucket != nil {
		attrs, err := s.bucket.Attributes(ctx, key)
		if gcerrors.Code(err) == gcerrors.NotFound {
			return Info{}, fmt.Errorf("media: stat %s: %w", key, ErrNotFound)
		}
		if err != nil {
			return Info{}, storageErr("stat "+key, err)
		}
		return Info{Key: key, Size: attrs.Size, ModTime: attrs.ModTime}, nil
	}
	info, err := s.root.Stat(key)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !info.Mode().IsRegular()) {
		return Info{}, fmt.Errorf("media: stat %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Info{}, storageErr("stat "+key, err)
	}
	return Info{Key: key, Size: info.Size(), ModTime: info.ModTime()}, nil
}

// Open returns a reader over the file stored at key (to make renditions,
// to copy it elsewhere); ErrNotFound if there is none. A bucket object is
// read through range readers opened as needed, never buffered whole.
func (s *Store) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if s.bucket != nil {
		info, err := s.Stat(ctx, key)
		if err != nil {
			return nil, err
		}
		return &bucketReader{ctx: ctx, bucket: s.bucket, key: key, size: info.Size}, nil
	}
	if !validKey(key) {
		return nil, fmt.Errorf("media: opening %q: %w", key, ErrNotFound)
	}
	f, err := s.root.Open(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("media: opening %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return nil, storageErr("opening "+key, err)
	}
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("media: opening %s: %w", key, ErrNotFound)
	}
	return f, nil
}
