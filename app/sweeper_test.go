package app

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSweep: unreferenced files older than the grace go; referenced ones,
// young ones and temporaries in flight stay.
func TestSweep(t *testing.T) {
	if os.Getenv("MEDIAGRAPH_TEST_STORAGE") == "s3" {
		t.Skip("ages files with os.Chtimes (local disk); the S3 sweep is in the media conformance suite and TestReplicas")
	}
	s := newTestServer(t, map[string]string{"SWEEP_GRACE": "1h", "SWEEP_INTERVAL": "1h"})
	id := createProduct(t, s, "P", "1")
	r := s.mutate(t, addImage, map[string]any{"id": id, "image": nil}, map[string]upload{"variables.image": {name: "a.png", body: pngBytes(t, 300, 300, 1)}})
	if len(r.Errors) > 0 {
		t.Fatal(string(r.Raw))
	}
	old := time.Now().Add(-2 * time.Hour)
	write := func(rel string, age time.Time) string {
		p := filepath.Join(s.mediaDir, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("x"), 0o644)
		os.Chtimes(p, age, age)
		return p
	}
	// Age the referenced file too: being referenced must be what keeps it.
	for _, f := range s.storedFiles(t) {
		os.Chtimes(filepath.Join(s.mediaDir, f), old, old)
	}
	orphanImage := write(orphanKey("products/images/", "png"), old)
	orphanDoc := write(orphanKey("documents/", "pdf"), old)
	young := write("images/young.png", time.Now())
	temp := write(".tmp/inflight.part", old)
	n, err := s.Sweep(context.Background())
	if err != nil || n != 2 {
		t.Fatalf("Sweep removed %d (%v), want the 2 old orphans", n, err)
	}
	for _, p := range []string{orphanImage, orphanDoc} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s survived", p)
		}
	}
	for _, p := range []string{young, temp} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
	if c := s.counts(t); c.images != 1 {
		t.Errorf("counts %+v", c)
	}
	resp, _ := s.get(t, digString(s.mustQuery(t, `query($id: ID!) { product(id: $id) { images { image { url } } } }`, map[string]any{"id": id}), "product", "images", 0, "image", "url"))
	if resp.StatusCode != 200 {
		t.Errorf("the referenced file is gone: %d", resp.StatusCode)
	}
}

// TestTemporariesRemovedAtStart: a temporary left by a crashed run is
// removed when the server starts, whatever its age.
func TestTemporariesRemovedAtStart(t *testing.T) {
	if os.Getenv("MEDIAGRAPH_TEST_STORAGE") == "s3" {
		t.Skip("local disk only: a bucket store stages in a directory of its own")
	}
	dir := t.TempDir()
	media := filepath.Join(dir, "media")
	os.MkdirAll(filepath.Join(media, ".tmp"), 0o700)
	left := filepath.Join(media, ".tmp", "crashed.part")
	os.WriteFile(left, []byte("half an upload"), 0o600)
	cfg := testConfig(t, map[string]string{"DATABASE_URL": testDatabaseURL(t, dir), "STORAGE_URL": media})
	srv, err := BuildServer(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := os.Stat(left); !os.IsNotExist(err) {
		t.Errorf("the temporary of a crashed run survived the start: %v", err)
	}
}
