package media

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"
)

// openServed opens a stored file for reading. The directories files live in
// are kept open, so that a request resolves one name (one openat, never
// following a symlink) instead of every component of the key; a directory
// removed behind the server's back is opened afresh.
func (l *localBackend) openServed(key string) (*os.File, error) {
	dir, name := path.Split(key)
	if dir == "" {
		return l.root.Open(key)
	}
	dir = strings.TrimSuffix(dir, "/")
	for attempt := 0; attempt < 2; attempt++ {
		d, err := l.servedDir(dir, attempt > 0)
		if err != nil {
			return nil, err
		}
		f, err := openInDir(d, name)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return f, err
		}
	}
	return nil, fs.ErrNotExist
}

// servedDir returns the open directory dir of the media root (opened
// through the root, so never outside it).
func (l *localBackend) servedDir(dir string, refresh bool) (*os.File, error) {
	if !refresh {
		if d, ok := l.servedDirs.Load(dir); ok {
			return d.(*os.File), nil
		}
	}
	d, err := l.root.Open(dir)
	if err != nil {
		return nil, err
	}
	if old, loaded := l.servedDirs.Swap(dir, d); loaded {
		// Still in use by requests in flight: closed by the collector
		// once none holds it.
		_ = old
	}
	return d, nil
}

// openInDir opens the regular file name (one path component) in the open
// directory dir for reading, without following a symlink (ELOOP, reported
// as not found). The file comes from os.NewFile, so it is never offered to
// the network poller (a regular file cannot be polled: os.Open's attempt
// costs two syscalls on every media GET).
func openInDir(dir *os.File, name string) (*os.File, error) {
	var fd int
	var err error
	for {
		fd, err = unix.Openat(int(dir.Fd()), name, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
		if err != unix.EINTR {
			break
		}
	}
	runtime.KeepAlive(dir) // dir's descriptor stays open until openat is done
	if err == unix.ELOOP {
		err = unix.ENOENT
	}
	if err != nil {
		return nil, &fs.PathError{Op: "openat", Path: name, Err: err}
	}
	return os.NewFile(uintptr(fd), name), nil
}
