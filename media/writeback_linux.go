package media

import (
	"os"

	"golang.org/x/sys/unix"
)

// startWriteback asks the kernel to start writing a range of f to disk
// without waiting for it (sync_file_range, SYNC_FILE_RANGE_WRITE). It only
// moves work earlier; durability still comes from fsync. Errors are
// ignored: the fsync reports them.
func startWriteback(f *os.File, off, n int64) {
	unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}

// processAlive reports whether a process with this id exists.
func processAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || err == unix.EPERM
}

// setDirectIO turns O_DIRECT on or off for f and reports whether it is on.
// A file system that does not take it (tmpfs before Linux 6.6) refuses it
// here, and f stays buffered.
func setDirectIO(f *os.File, on bool) bool {
	fd := int(f.Fd())
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return false
	}
	want := flags &^ unix.O_DIRECT
	if on {
		want |= unix.O_DIRECT
	}
	if want != flags {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFL, want); err != nil {
			return false
		}
	}
	return on
}

// pwritev writes bufs to f at off with as few pwritev(2) calls as it
// takes and returns the bytes written.
func pwritev(f *os.File, bufs [][]byte, off int64) (int, error) {
	fd := int(f.Fd())
	bufs = append([][]byte(nil), bufs...) // advanced below: not the caller's
	total := 0
	for len(bufs) > 0 {
		n, err := unix.Pwritev(fd, bufs, off+int64(total))
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return total, err
		}
		total += n
		for n > 0 {
			k := min(n, len(bufs[0]))
			bufs[0], n = bufs[0][k:], n-k
			if len(bufs[0]) == 0 {
				bufs = bufs[1:]
			}
		}
	}
	return total, nil
}
