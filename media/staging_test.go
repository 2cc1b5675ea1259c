package media

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	_ "gocloud.dev/blob/memblob"
)

// TestBucketStagingDirsOfDeadProcesses: a bucket store stages in a
// directory named after its process; at start, those of dead processes go
// and those of live ones stay.
func TestBucketStagingDirsOfDeadProcesses(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	s, err := Open(context.Background(), "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	dead := filepath.Join(stagingRoot(), "999999999-crashed")
	alive := filepath.Join(stagingRoot(), strconv.Itoa(os.Getppid())+"-other")
	for _, d := range []string{dead, alive} {
		os.MkdirAll(d, 0o700)
		os.WriteFile(filepath.Join(d, "x.part"), []byte("half"), 0o600)
	}
	n, err := s.RemoveTemporaries()
	if err != nil || n != 1 {
		t.Fatalf("RemoveTemporaries = %d, %v", n, err)
	}
	if _, err := os.Stat(dead); !os.IsNotExist(err) {
		t.Error("the staging directory of a dead process survived")
	}
	for _, d := range []string{alive, s.backend.(*bucketBackend).tmpPath} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s removed: %v", d, err)
		}
	}
}
