//go:build !linux

package media

import "os"

// openServed opens a stored file for reading, within the media root.
func (l *localBackend) openServed(key string) (*os.File, error) { return l.root.Open(key) }
