//go:build !linux

package media

import "os"

// startWriteback does nothing where sync_file_range is missing.
func startWriteback(*os.File, int64, int64) {}

// processAlive cannot tell here: assume alive, so nothing is removed.
func processAlive(int) bool { return true }

// setDirectIO: writes stay buffered here.
func setDirectIO(*os.File, bool) bool { return false }

// pwritev writes bufs to f at off, one after the other.
func pwritev(f *os.File, bufs [][]byte, off int64) (int, error) {
	total := 0
	for _, b := range bufs {
		n, err := f.WriteAt(b, off+int64(total))
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
