package media

import (
	"errors"
	"io"
	"os"
	"slices"
	"sync"
	"syscall"
	"unsafe"
)

// directWriter writes a staged upload past the page cache (O_DIRECT, where
// the file system takes it) for as long as the writes are aligned, and
// through it from the first one that is not (the tail of the file). The
// bytes go from the read-ahead buffers to the disk: no copy into page
// cache pages (on a virtual machine whose fresh memory the host backs on
// first touch, that copy cost more CPU than the rest of an upload), and
// the fsync that makes the file durable finds only the tail to write. The
// file is read back only in part (sniffing a DOCX, an image header past
// the first 64 KiB): images are verified as they stream (imageChecker).
//
// A direct write waits for the disk, so aligned batches are written in the
// background, each at its offset, while the next chunks are read and
// hashed; wait (and stop) returns once all have landed. Writes are
// positional: the file offset is not used.
type directWriter struct {
	f      *os.File
	direct bool
	off    int64 // where the next write goes

	// pwrite writes in the background: pwritev, or a fault in tests.
	pwrite func(f *os.File, bufs [][]byte, off int64) (int, error)

	inflight sync.WaitGroup
	mu       sync.Mutex
	err      error          // the first failure of a write in flight
	redo     []pendingWrite // direct writes refused in flight: written through the page cache by wait
}

type pendingWrite struct {
	bufs [][]byte
	off  int64
	done func()
}

// directIOAlign is the alignment O_DIRECT asks of a write's memory, offset
// and length: 4 KiB covers the logical block size of the disks in use.
// Read-ahead buffers are large heap objects, so page-aligned, and a whole
// one is a multiple of it.
const directIOAlign = 4096

func newDirectWriter(f *os.File) *directWriter {
	return &directWriter{f: f, direct: setDirectIO(f, true), pwrite: pwritev}
}

// Write writes p at the end of what was written, and returns once it has.
func (d *directWriter) Write(p []byte) (int, error) {
	if err := d.wait(); err != nil {
		return 0, err
	}
	written := 0
	if d.direct {
		if n := len(p) &^ (directIOAlign - 1); n > 0 && aligned(p) {
			m, err := d.f.WriteAt(p[:n], d.off)
			d.off += int64(m)
			written += m
			p = p[m:]
			if err != nil && !errors.Is(err, syscall.EINVAL) {
				return written, err
			}
			// EINVAL: the file system refused this direct write after all;
			// the rest goes through the page cache.
		}
		if len(p) > 0 {
			d.stop()
		}
	}
	if len(p) == 0 {
		return written, nil
	}
	m, err := d.f.WriteAt(p, d.off)
	d.off += int64(m)
	return written + m, err
}

// writeBuffers writes bufs at the end of what was written and calls done
// once they are on their way no more (the caller may then reuse them).
// While the file is written past the page cache and every buffer is
// aligned, they go in one system call, in the background.
func (d *directWriter) writeBuffers(bufs [][]byte, done func()) error {
	if err := d.failed(); err != nil {
		done()
		return err
	}
	if !d.direct || !allAligned(bufs) {
		defer done()
		for _, b := range bufs {
			if _, err := d.Write(b); err != nil {
				return err
			}
		}
		return nil
	}
	w := pendingWrite{bufs: slices.Clone(bufs), off: d.off, done: done}
	for _, b := range bufs {
		d.off += int64(len(b))
	}
	d.inflight.Add(1)
	go func() {
		defer d.inflight.Done()
		_, err := d.pwrite(d.f, w.bufs, w.off)
		d.mu.Lock()
		defer d.mu.Unlock()
		switch {
		case errors.Is(err, syscall.EINVAL):
			d.redo = append(d.redo, w) // its buffers are kept until wait rewrites them
			return
		case err != nil && d.err == nil:
			d.err = err
		}
		w.done()
	}()
	return nil
}

// wait returns once every write in flight has landed, with the first
// failure. Writes the file system refused past the page cache are done
// again through it here.
func (d *directWriter) wait() error {
	d.inflight.Wait()
	d.mu.Lock()
	redo := d.redo
	d.redo = nil
	d.mu.Unlock()
	if len(redo) > 0 {
		d.toPageCache()
	}
	for _, w := range redo {
		if _, err := pwritev(d.f, w.bufs, w.off); err != nil {
			d.mu.Lock()
			if d.err == nil {
				d.err = err
			}
			d.mu.Unlock()
		}
		w.done()
	}
	return d.failed()
}

func (d *directWriter) failed() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.err
}

// stop waits for the writes in flight and sends further writes, and
// reads, through the page cache. A nil directWriter has nothing to stop.
func (d *directWriter) stop() error {
	if d == nil {
		return nil
	}
	err := d.wait()
	d.toPageCache()
	return err
}

// toPageCache sends further writes, and reads, through the page cache.
func (d *directWriter) toPageCache() {
	if d.direct {
		d.direct = false
		setDirectIO(d.f, false)
	}
}

func aligned(b []byte) bool {
	return uintptr(unsafe.Pointer(unsafe.SliceData(b)))%directIOAlign == 0
}

func allAligned(bufs [][]byte) bool {
	for _, b := range bufs {
		if len(b)%directIOAlign != 0 || !aligned(b) {
			return false
		}
	}
	return true
}

// buffersWriter writes several buffers at once, calling done when they
// may be reused.
type buffersWriter interface {
	writeBuffers(bufs [][]byte, done func()) error
}

// writeBuffers writes bufs to w in order and calls done when they may be
// reused: at once where w can, else one by one.
func writeBuffers(w io.Writer, bufs [][]byte, done func()) error {
	if bw, ok := w.(buffersWriter); ok {
		return bw.writeBuffers(bufs, done)
	}
	defer done()
	for _, b := range bufs {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}
