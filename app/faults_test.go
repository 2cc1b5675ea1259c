package app

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"testing"

	"entgo.io/ent/dialect"

	"mediagraph/graph"
	"mediagraph/media"
)

// failingWriter fails with err once n bytes have passed, while armed.
type failingWriter struct {
	w       io.Writer
	n       int64
	err     error
	written int64
}

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.written+int64(len(p)) > f.n {
		k := f.n - f.written
		if k > 0 {
			f.w.Write(p[:k])
			f.written += k
		}
		return int(max(k, 0)), f.err
	}
	n, err := f.w.Write(p)
	f.written += int64(n)
	return n, err
}

// writeFault injects err at byte n into the store's writes while armed;
// onlyBucket limits it to uploads to a bucket (not staging to a local
// temporary file).
type writeFault struct {
	armed      atomic.Bool
	n          int64
	err        error
	onlyBucket bool
}

func (f *writeFault) wrap(w io.Writer) io.Writer {
	if !f.armed.Load() {
		return w
	}
	if _, isFile := w.(*os.File); isFile && f.onlyBucket {
		return w
	}
	return &failingWriter{w: w, n: f.n, err: f.err}
}

// TestStorageWriteFaults: the storage failing at byte N of a write is a
// clear error that leaves no row, no file and no temporary, and the server
// goes on serving.
func TestStorageWriteFaults(t *testing.T) {
	s3 := os.Getenv("MEDIAGRAPH_TEST_STORAGE") == "s3"
	tests := []struct {
		name       string
		err        error
		onlyBucket bool
		status     int
		code       string
	}{
		{"staging: I/O error", syscall.EIO, false, 503, "STORAGE_UNAVAILABLE"},
		{"staging: disk full", syscall.ENOSPC, false, 507, "STORAGE_FULL"},
	}
	if s3 {
		tests = append(tests, struct {
			name       string
			err        error
			onlyBucket bool
			status     int
			code       string
		}{"bucket upload: I/O error", syscall.EIO, true, 200, "STORAGE_UNAVAILABLE"})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fault := &writeFault{n: 1000, err: tc.err, onlyBucket: tc.onlyBucket}
			s := newTestServer(t, nil, WithMediaOptions(media.Options{WrapWriter: fault.wrap}))
			id := createProduct(t, s, "P", "1")
			before := s.counts(t)
			fault.armed.Store(true)
			r := s.mutate(t, addImage, map[string]any{"id": id, "image": nil},
				map[string]upload{"variables.image": {name: "a.png", body: pngBytes(t, 400, 400, 1)}})
			wantErrorCode(t, r, tc.status, tc.code, "")
			if after := s.counts(t); after != before {
				t.Errorf("counts %+v → %+v", before, after)
			}
			fault.armed.Store(false)
			r = s.mutate(t, addImage, map[string]any{"id": id, "image": nil},
				map[string]upload{"variables.image": {name: "a.png", body: pngBytes(t, 400, 400, 1)}})
			if len(r.Errors) > 0 {
				t.Fatalf("after the fault: %s", r.Raw)
			}
		})
	}
}

// faultyStorage wraps the real store and fails Put (after the n-th stored
// file, which stays behind as an orphan) or Delete, while armed.
type faultyStorage struct {
	graph.Storage
	putFails    atomic.Bool
	putOK       atomic.Int32 // Puts that succeed before the failing one
	deleteFails atomic.Bool
}

func (f *faultyStorage) Put(ctx context.Context, prefix string, st *media.Staged) (media.File, error) {
	if f.putFails.Load() && f.putOK.Add(-1) < 0 {
		// The file is stored, then the commit to storage "fails": the worst
		// case, an orphan the caller does not know about.
		f.Storage.Put(ctx, prefix, st)
		return media.File{}, errors.Join(media.ErrStorage, errors.New("injected: put failed"))
	}
	return f.Storage.Put(ctx, prefix, st)
}

func (f *faultyStorage) Delete(ctx context.Context, keys ...string) error {
	if f.deleteFails.Load() {
		return errors.Join(media.ErrStorage, errors.New("injected: delete failed"))
	}
	return f.Storage.Delete(ctx, keys...)
}

func TestStoragePutAndDeleteFaults(t *testing.T) {
	var fs *faultyStorage
	s := newTestServer(t, nil, WithStorageWrapper(func(inner graph.Storage) graph.Storage {
		fs = &faultyStorage{Storage: inner}
		return fs
	}))
	id := createProduct(t, s, "P", "1")
	sweepAll := func() int {
		n, err := s.Media.Sweep(context.Background(), 0, s.referenced)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("put fails on the third of three files", func(t *testing.T) {
		before := s.counts(t)
		fs.putOK.Store(2)
		fs.putFails.Store(true)
		defer fs.putFails.Store(false)
		r := s.mutate(t, `mutation($id: ID!, $images: [Upload!]!) { addProductImages(productID: $id, images: $images) { id } }`,
			map[string]any{"id": id, "images": []any{nil, nil, nil}}, map[string]upload{
				"variables.images.0": {name: "a.png", body: pngBytes(t, 300, 300, 1)},
				"variables.images.1": {name: "b.png", body: pngBytes(t, 300, 300, 2)},
				"variables.images.2": {name: "c.png", body: pngBytes(t, 300, 300, 3)},
			})
		wantErrorCode(t, r, 200, "STORAGE_UNAVAILABLE", "")
		after := s.counts(t)
		if after.images != before.images {
			t.Errorf("rows %d → %d", before.images, after.images)
		}
		// The two files stored first were removed; the third is an orphan
		// the resolver could not know of, which the sweep removes.
		if after.files != before.files+1 {
			t.Errorf("files %d → %d, want one orphan", before.files, after.files)
		}
		if n := sweepAll(); n != 1 {
			t.Errorf("sweep removed %d, want 1", n)
		}
		if after := s.counts(t); after != before {
			t.Errorf("after the sweep %+v, want %+v", after, before)
		}
	})

	t.Run("delete fails after the row is gone", func(t *testing.T) {
		r := s.mutate(t, addImage, map[string]any{"id": id, "image": nil},
			map[string]upload{"variables.image": {name: "a.png", body: pngBytes(t, 300, 300, 4)}})
		imageID := digString(r.Data, "addProductImage", "id")
		before := s.counts(t)
		fs.deleteFails.Store(true)
		data := s.mustQuery(t, `mutation($id: ID!) { deleteProductImage(id: $id) }`, map[string]any{"id": imageID})
		fs.deleteFails.Store(false)
		if digString(data, "deleteProductImage") != imageID {
			t.Fatalf("deleteProductImage = %v", data)
		}
		after := s.counts(t)
		if after.images != before.images-1 || after.files != before.files {
			t.Errorf("counts %+v → %+v: want the row gone and the file left", before, after)
		}
		if n := sweepAll(); n != 1 {
			t.Errorf("sweep removed %d, want the 1 file left behind", n)
		}
		if c := s.counts(t); c.files != after.files-1 {
			t.Errorf("files after the sweep: %d", c.files)
		}
	})
}

// commitFault fails transaction commits while armed.
type commitFault struct{ armed atomic.Bool }

type faultyDriver struct {
	dialect.Driver
	f *commitFault
}

func (d faultyDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := d.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return faultyTx{tx, d.f}, nil
}

type faultyTx struct {
	dialect.Tx
	f *commitFault
}

func (t faultyTx) Commit() error {
	if t.f.armed.Load() {
		t.Tx.Rollback()
		return driver.ErrBadConn
	}
	return t.Tx.Commit()
}

// TestDatabaseCommitFault: when the commit fails after the files were
// stored, the files are removed: no file without its row.
func TestDatabaseCommitFault(t *testing.T) {
	f := &commitFault{}
	s := newTestServer(t, nil, WithDriverWrapper(func(d dialect.Driver) dialect.Driver { return faultyDriver{d, f} }))
	before := s.counts(t)
	f.armed.Store(true)
	r := s.mutate(t, `mutation($input: CreateProductInput!, $images: [Upload!]) { createProduct(input: $input, images: $images) { id } }`,
		map[string]any{"input": map[string]any{"name": "Q", "price": "2"}, "images": []any{nil, nil}}, map[string]upload{
			"variables.images.0": {name: "a.png", body: pngBytes(t, 300, 300, 1)},
			"variables.images.1": {name: "b.png", body: pngBytes(t, 300, 300, 2)},
		})
	f.armed.Store(false)
	wantErrorCode(t, r, 200, "INTERNAL_SERVER_ERROR", "")
	if after := s.counts(t); after != before {
		t.Errorf("counts %+v → %+v", before, after)
	}
	entries, _ := os.ReadDir(filepath.Join(s.mediaDir, ".tmp"))
	if len(entries) != 0 {
		t.Errorf("temporaries left: %d", len(entries))
	}
}
