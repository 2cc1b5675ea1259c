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
	"strings"
	"sync"
	"time"
)

// tmpDir is where a local store stages uploads: inside the media root, on
// the same file system (storing is a rename), and never served.
const tmpDir = ".tmp"

// localBackend keeps files on local disk under a media root, through
// os.Root (nothing outside it is reachable, symlinks out of it included),
// durable with fsync of each file and its directory; uploads are staged in
// the root's .tmp, so that storing one is a rename.
type localBackend struct {
	root       *os.Root
	syncedDirs sync.Map // directories already made durable
	dirSyncs   sync.Map // directory → *dirSync: coalesced directory fsyncs
	servedDirs sync.Map // directory → *os.File: open for serving
}

func openLocal(dir string) (*localBackend, error) {
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
	return &localBackend{root: root}, nil
}

func (l *localBackend) close() error { return l.root.Close() }

func (l *localBackend) ping(context.Context) error {
	if _, err := l.root.Stat(tmpDir); err != nil {
		return fmt.Errorf("media: media root: %w", err)
	}
	return nil
}

func (l *localBackend) stat(_ context.Context, key string) (Info, error) {
	info, err := l.root.Stat(key)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !info.Mode().IsRegular()) {
		return Info{}, fmt.Errorf("media: stat %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Info{}, storageErr("stat "+key, err)
	}
	return Info{Key: key, Size: info.Size(), ModTime: info.ModTime()}, nil
}

func (l *localBackend) open(_ context.Context, key string) (io.ReadSeekCloser, error) {
	f, err := l.root.Open(key)
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

func (l *localBackend) remove(_ context.Context, key string) error {
	if err := l.root.Remove(key); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// storedByPut is always true on local disk: os.Root refuses symlinks out of
// the root, and listing does not follow them.
func (l *localBackend) storedByPut(context.Context, string) bool { return true }

func (l *localBackend) signedURL(context.Context, string, time.Duration) (string, error) {
	return "", errors.New("media: signed URLs need a bucket")
}

// removeTemporaries removes everything in .tmp: at start, it can only be
// what an earlier run left.
func (l *localBackend) removeTemporaries() (int, error) {
	entries, err := fs.ReadDir(l.root.FS(), tmpDir)
	if err != nil {
		return 0, fmt.Errorf("media: listing temporaries: %w", err)
	}
	n := 0
	var errs []error
	for _, e := range entries {
		if err := l.root.RemoveAll(tmpDir + "/" + e.Name()); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// serve answers GET and HEAD of key from its file, through sendfile.
func (l *localBackend) serve(w http.ResponseWriter, r *http.Request, key string) bool {
	f, err := l.openServed(key)
	if err != nil {
		// Missing, or outside the root (a symlink out of it): both 404.
		return false
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		return false
	}
	setFileHeaders(w, key, info.Size())
	http.ServeContent(w, r, "", info.ModTime(), f)
	return true
}

// putBytes stores a file the server made (a variant) at key unless one is
// there already: written and synced under a temporary name, then linked
// into place, which never replaces (replicas making one variant at once
// store it once). Its directory is not synced: a variant lost to a crash
// is made again.
func (l *localBackend) putBytes(_ context.Context, key string, data []byte, _ string) error {
	if err := l.makeDurableDir(path.Dir(key)); err != nil {
		return err
	}
	tmpName := tmpDir + "/" + randomName() + ".part"
	f, err := l.root.OpenFile(tmpName, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return storageErr("creating temporary", err)
	}
	defer l.root.Remove(tmpName)
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return storageErr("writing "+key, err)
	}
	if err := l.root.Link(tmpName, key); err != nil && !errors.Is(err, fs.ErrExist) {
		return storageErr("storing "+key, err)
	}
	return nil
}

// put moves the staged file (staged in the root's .tmp: a rename) to key (or, should key exist, to another
// generated name under prefix) and returns the key it took.
func (l *localBackend) put(_ context.Context, prefix, key string, st *Staged) (string, error) {
	tmpName := st.tmpName
	f, err := l.root.OpenFile(tmpName, os.O_RDWR, 0)
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
	if err := l.makeDurableDir(dir); err != nil {
		return "", err
	}
	// A rename replaces its target: never let it. Generated names collide
	// with odds of 2⁻¹²⁸, so this check costs one lookup and never loops in
	// practice.
	for attempt := 0; ; attempt++ {
		_, err := l.root.Lstat(key)
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
	err = l.root.Rename(tmpName, key)
	if errors.Is(err, fs.ErrNotExist) {
		// The directory went away behind the process's back (it is
		// remembered as made): make it again.
		l.syncedDirs.Delete(dir)
		if err := l.makeDurableDir(dir); err != nil {
			return "", err
		}
		err = l.root.Rename(tmpName, key)
	}
	if err != nil {
		return "", storageErr("storing "+key, err)
	}
	st.consumed = true
	if err := l.dirSyncer(dir).sync(func() error { return l.syncDir(dir) }); err != nil {
		l.root.Remove(key)
		return "", err
	}
	return key, nil
}

// makeDurableDir creates dir (and its parents) and, the first time this
// process sees it, syncs each one and its parent so the entries survive a
// crash.
func (l *localBackend) makeDurableDir(dir string) error {
	if _, ok := l.syncedDirs.Load(dir); ok {
		return nil
	}
	if err := l.root.MkdirAll(dir, 0o755); err != nil {
		return storageErr("creating "+dir, err)
	}
	for d := dir; ; d = path.Dir(d) {
		if err := l.syncDir(path.Dir(d)); err != nil {
			return err
		}
		if path.Dir(d) == "." {
			break
		}
	}
	l.syncedDirs.Store(dir, true)
	return nil
}

func (l *localBackend) dirSyncer(dir string) *dirSync {
	if d, ok := l.dirSyncs.Load(dir); ok {
		return d.(*dirSync)
	}
	d, _ := l.dirSyncs.LoadOrStore(dir, newDirSync())
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

func (l *localBackend) syncDir(dir string) error {
	d, err := l.root.Open(dir)
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

// list visits the regular files of the keys keep takes: those directly in
// each prefix's directory, or, with no prefixes set, anywhere in the root
// outside dot-directories (the temporaries).
func (l *localBackend) list(ctx context.Context, prefixes []string, keep func(string) bool, visit func(string, time.Time) error) error {
	if len(prefixes) == 0 {
		return fs.WalkDir(l.root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
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
			return l.visit(p, d, keep, visit)
		})
	}
	for _, prefix := range prefixes {
		dir := strings.TrimSuffix(prefix, "/")
		if ok, err := l.realDir(dir); err != nil {
			return storageErr("listing "+dir, err)
		} else if !ok {
			continue // nothing stored there yet, or a symlink: not ours
		}
		entries, err := fs.ReadDir(l.root.FS(), dir)
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
			if err := l.visit(prefix+d.Name(), d, keep, visit); err != nil {
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
func (l *localBackend) realDir(dir string) (bool, error) {
	for end := 0; end < len(dir); {
		next := strings.IndexByte(dir[end+1:], '/')
		if next < 0 {
			end = len(dir)
		} else {
			end += 1 + next
		}
		info, err := l.root.Lstat(dir[:end])
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

// visit visits key if keep takes it and it holds a regular file
// (symlinks are never stored files).
func (l *localBackend) visit(key string, d fs.DirEntry, keep func(string) bool, visit func(string, time.Time) error) error {
	if !d.Type().IsRegular() || !keep(key) {
		return nil
	}
	info, err := d.Info()
	if err != nil {
		return nil // removed meanwhile
	}
	return visit(key, info.ModTime())
}
