package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestEndToEndOnPostgresAndS3 runs the end-to-end suite (e2e/run.mjs: the
// real Apollo Client, apollo-upload-client and Chromium) against a server
// on a fresh PostgreSQL database and a fresh S3 bucket. The test command
// runs it in its PostgreSQL + S3 pass (MEDIAGRAPH_TEST_E2E=1), after
// installing e2e/'s packages; the SQLite + disk run is test.sh's own.
func TestEndToEndOnPostgresAndS3(t *testing.T) {
	if os.Getenv("MEDIAGRAPH_TEST_E2E") != "1" {
		t.Skip("runs in the PostgreSQL + S3 pass of the test command (MEDIAGRAPH_TEST_E2E=1)")
	}
	dir := t.TempDir()
	storageURL, bucketDir := testStorage(t, dir)
	databaseURL := testDatabaseURL(t, dir)
	cmd := exec.Command("node", "run.mjs")
	cmd.Dir = filepath.Join("..", "e2e")
	cmd.Env = append(os.Environ(),
		"E2E_DATABASE_URL="+databaseURL,
		"E2E_STORAGE_URL="+storageURL,
		"E2E_MEDIA_DIR="+bucketDir,
		"MEDIAGRAPH_BIN="+serverBinary(t),
	)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("e2e suite on %s + %s: %v", RedactURL(databaseURL), storageURL, err)
	}
}
