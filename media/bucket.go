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
	"strconv"
	"strings"
	"time"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

// bucketBackend keeps files in a gocloud.dev/blob bucket (s3://, mem://,
// …). Uploads are staged in a directory of this process's own on local
// disk (tmp), then uploaded.
type bucketBackend struct {
	bucket     *blob.Bucket
	tmp        *os.Root // the staging directory
	tmpPath    string   // its path, removed on close
	wrapWriter func(io.Writer) io.Writer
}

func openBucket(ctx context.Context, storageURL string) (*bucketBackend, error) {
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
	return &bucketBackend{bucket: bucket, tmp: tmp, tmpPath: tmpPath}, nil
}

func (b *bucketBackend) close() error {
	return errors.Join(b.bucket.Close(), b.tmp.Close(), os.RemoveAll(b.tmpPath))
}

func (b *bucketBackend) ping(ctx context.Context) error {
	ok, err := b.bucket.IsAccessible(ctx)
	if err != nil {
		return fmt.Errorf("media: bucket: %w", err)
	}
	if !ok {
		return errors.New("media: bucket is not accessible")
	}
	return nil
}

func (b *bucketBackend) stat(ctx context.Context, key string) (Info, error) {
	attrs, err := b.bucket.Attributes(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return Info{}, fmt.Errorf("media: stat %s: %w", key, ErrNotFound)
	}
	if err != nil {
		return Info{}, storageErr("stat "+key, err)
	}
	return Info{Key: key, Size: attrs.Size, ModTime: attrs.ModTime}, nil
}

// open reads the object through range readers opened as needed, never
// buffered whole.
func (b *bucketBackend) open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	info, err := b.stat(ctx, key)
	if err != nil {
		return nil, err
	}
	return &bucketReader{ctx: ctx, bucket: b.bucket, key: key, size: info.Size}, nil
}

func (b *bucketBackend) remove(ctx context.Context, key string) error {
	if err := b.bucket.Delete(ctx, key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return err
	}
	return nil
}

func (b *bucketBackend) signedURL(ctx context.Context, key string, ttl time.Duration) (string, error) {
	u, err := b.bucket.SignedURL(ctx, key, &blob.SignedURLOptions{Expiry: ttl, Method: http.MethodGet})
	if err != nil {
		return "", fmt.Errorf("media: signing %s: %w", key, err)
	}
	return u, nil
}

// removeTemporaries removes the staging directories of dead processes.
func (b *bucketBackend) removeTemporaries() (int, error) { return removeDeadStagingDirs() }

// put uploads the staged file to key; an upload that fails is abandoned,
// so no object appears.
func (b *bucketBackend) put(ctx context.Context, _, key string, st *Staged) (string, error) {
	r, err := st.Open()
	if err != nil {
		return "", err
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	bw, err := b.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: st.ContentType})
	if err != nil {
		return "", storageErr("storing "+key, err)
	}
	var w io.Writer = bw
	if b.wrapWriter != nil {
		w = b.wrapWriter(bw)
	}
	if _, err := io.Copy(w, r); err != nil {
		// Cancelling before Close abandons the upload: no object appears.
		cancel()
		bw.Close()
		return "", storageErr("storing "+key, err)
	}
	if err := bw.Close(); err != nil {
		return "", storageErr("storing "+key, err)
	}
	return key, st.Close()
}

// storedByPut reports whether the object at key is one Put wrote: its
// stored Content-Type must be the one its extension implies
// (Put stores the sniffed type, from which the extension comes). An object
// that merely has a generated-looking name — planted by other software, or
// on versitygw's posix backend a symlink, which it serves and deletes
// through with a guessed type — is left alone and never served.
func (b *bucketBackend) storedByPut(ctx context.Context, key string) bool {
	attrs, err := b.bucket.Attributes(ctx, key)
	return err == nil && attrs.ContentType == ContentTypeForExt(strings.TrimPrefix(path.Ext(key), "."))
}

// list visits the objects of the keys keep takes: those directly under
// each prefix (listed with a delimiter, so a prefix's subdirectories are
// not walked), or, with no prefixes set, the whole bucket.
func (b *bucketBackend) list(ctx context.Context, prefixes []string, keep func(string) bool, visit func(string, time.Time) error) error {
	if len(prefixes) == 0 {
		return b.listWith(ctx, nil, keep, visit)
	}
	for _, prefix := range prefixes {
		if err := b.listWith(ctx, &blob.ListOptions{Prefix: prefix, Delimiter: "/"}, keep, visit); err != nil {
			return err
		}
	}
	return nil
}

func (b *bucketBackend) listWith(ctx context.Context, opts *blob.ListOptions, keep func(string) bool, visit func(string, time.Time) error) error {
	it := b.bucket.List(opts)
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return storageErr("listing bucket", err)
		}
		if obj.IsDir || !keep(obj.Key) {
			continue
		}
		if err := visit(obj.Key, obj.ModTime); err != nil {
			return err
		}
	}
}

// serve answers GET and HEAD of key from its object, through range
// readers opened as http.ServeContent asks.
func (b *bucketBackend) serve(w http.ResponseWriter, r *http.Request, key string) bool {
	attrs, err := b.bucket.Attributes(r.Context(), key)
	if err != nil {
		if gcerrors.Code(err) != gcerrors.NotFound {
			http.Error(w, "storage unavailable", http.StatusServiceUnavailable)
			return true
		}
		return false
	}
	if attrs.ContentType != ContentTypeForExt(strings.TrimPrefix(path.Ext(key), ".")) {
		// Not an object Put wrote (see storedByPut): not ours to serve.
		return false
	}
	setFileHeaders(w, key, attrs.Size)
	rs := &bucketReader{ctx: r.Context(), bucket: b.bucket, key: key, size: attrs.Size}
	defer rs.Close()
	http.ServeContent(w, r, "", attrs.ModTime, rs)
	return true
}

// putBytes stores a file the server made (a variant) at key unless one is
// there already: a conditional put (If-None-Match: *), so that replicas
// making one variant at once store it once.
func (b *bucketBackend) putBytes(ctx context.Context, key string, data []byte, contentType string) error {
	err := b.bucket.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: contentType, IfNotExist: true})
	if err != nil && gcerrors.Code(err) != gcerrors.FailedPrecondition {
		return storageErr("storing "+key, err)
	}
	return nil
}

// bucketReader is an io.ReadSeeker over a bucket object that opens a range
// reader lazily from the current offset, so that http.ServeContent's seeks
// cost nothing and nothing is buffered whole.
type bucketReader struct {
	ctx    context.Context
	bucket *blob.Bucket
	key    string
	size   int64
	off    int64
	r      *blob.Reader
}

func (b *bucketReader) Read(p []byte) (int, error) {
	if b.off >= b.size {
		return 0, io.EOF
	}
	if b.r == nil {
		r, err := b.bucket.NewRangeReader(b.ctx, b.key, b.off, -1, nil)
		if err != nil {
			return 0, err
		}
		b.r = r
	}
	n, err := b.r.Read(p)
	b.off += int64(n)
	return n, err
}

func (b *bucketReader) Seek(offset int64, whence int) (int64, error) {
	var next int64
	switch whence {
	case io.SeekStart:
		next = offset
	case io.SeekCurrent:
		next = b.off + offset
	case io.SeekEnd:
		next = b.size + offset
	}
	if next < 0 {
		return 0, errors.New("media: seek before start")
	}
	if next != b.off && b.r != nil {
		b.r.Close()
		b.r = nil
	}
	b.off = next
	return next, nil
}

func (b *bucketReader) Close() error {
	if b.r != nil {
		return b.r.Close()
	}
	return nil
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
