package media

import (
	"errors"
	"io"
	"os"
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
type directWriter struct {
	f      *os.File
	direct bool
}

// directIOAlign is the alignment O_DIRECT asks of a write's memory, offset
// and length: 4 KiB covers the logical block size of the disks in use.
// Read-ahead buffers are large heap objects, so page-aligned, and a whole
// one is a multiple of it.
const directIOAlign = 4096

func newDirectWriter(f *os.File) *directWriter {
	return &directWriter{f: f, direct: setDirectIO(f, true)}
}

func (d *directWriter) Write(p []byte) (int, error) {
	written := 0
	if d.direct {
		if n := len(p) &^ (directIOAlign - 1); n > 0 && uintptr(unsafe.Pointer(unsafe.SliceData(p)))%directIOAlign == 0 {
			m, err := d.f.Write(p[:n])
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
	m, err := d.f.Write(p)
	return written + m, err
}

// writeBuffers writes bufs in order, in one system call while the file is
// written past the page cache and every buffer is aligned (one disk write
// instead of one per buffer).
func (d *directWriter) writeBuffers(bufs [][]byte) error {
	if d.direct && len(bufs) > 1 && allAligned(bufs) {
		n, err := writev(d.f, bufs)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EINVAL) {
			return err
		}
		// Refused after all: the rest one buffer at a time, which falls
		// back to the page cache where it must.
		for n > 0 {
			k := min(n, len(bufs[0]))
			bufs[0], n = bufs[0][k:], n-k
			if len(bufs[0]) == 0 {
				bufs = bufs[1:]
			}
		}
	}
	for _, b := range bufs {
		if _, err := d.Write(b); err != nil {
			return err
		}
	}
	return nil
}

func allAligned(bufs [][]byte) bool {
	for _, b := range bufs {
		if len(b)%directIOAlign != 0 || uintptr(unsafe.Pointer(unsafe.SliceData(b)))%directIOAlign != 0 {
			return false
		}
	}
	return true
}

// buffersWriter writes several buffers at once.
type buffersWriter interface {
	writeBuffers(bufs [][]byte) error
}

// writeBuffers writes bufs to w in order: at once where w can, else one by
// one.
func writeBuffers(w io.Writer, bufs [][]byte) error {
	if bw, ok := w.(buffersWriter); ok {
		return bw.writeBuffers(bufs)
	}
	for _, b := range bufs {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	return nil
}

// stop sends further writes, and reads, through the page cache.
func (d *directWriter) stop() {
	if d.direct {
		d.direct = false
		setDirectIO(d.f, false)
	}
}
