//go:build !linux

package media

import "os"

// startWriteback does nothing where sync_file_range is missing.
func startWriteback(*os.File, int64, int64) {}

// processAlive cannot tell here: assume alive, so nothing is removed.
func processAlive(int) bool { return true }

// setDirectIO: writes stay buffered here.
func setDirectIO(*os.File, bool) bool { return false }

// writev writes bufs to f one after the other.
func writev(f *os.File, bufs [][]byte) (int, error) {
	total := 0
	for _, b := range bufs {
		n, err := f.Write(b)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
