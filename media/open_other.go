//go:build !linux

package media

import "os"

// openLocal opens a stored file for reading, within the media root.
func (s *Store) openLocal(key string) (*os.File, error) { return s.root.Open(key) }
