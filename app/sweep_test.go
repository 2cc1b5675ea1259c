package app

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// sweepServer builds a server with LoadConfig and BuildServer on the given
// database and media directory (newTestServer always makes fresh ones), so
// that a second server can start on what a first one left.
func sweepServer(t *testing.T, databaseURL, mediaDir string, env map[string]string) (*testServer, func()) {
	t.Helper()
	vars := map[string]string{"DATABASE_URL": databaseURL, "STORAGE_URL": mediaDir, "SWEEP_INTERVAL": "1h", "RENDITIONS": "none"}
	for k, v := range env {
		vars[k] = v
	}
	cfg, err := LoadConfig(nil, func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	srv, err := BuildServer(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("BuildServer: %v", err)
	}
	hs := httptest.NewServer(srv.Handler)
	stop := sync.OnceFunc(func() {
		hs.Close()
		srv.Close()
	})
	t.Cleanup(stop)
	return &testServer{Server: srv, URL: hs.URL, mediaDir: mediaDir, http: hs}, stop
}

// sweepDirs returns a database URL and a media directory on local disk;
// the sweep tests write into the media directory themselves.
func sweepDirs(t *testing.T) (databaseURL, mediaDir string) {
	t.Helper()
	if b := os.Getenv("MEDIAGRAPH_TEST_STORAGE"); b != "" && b != "disk" {
		t.Skip("writes files into a local media directory")
	}
	dir := t.TempDir()
	return testDatabaseURL(t, dir), filepath.Join(dir, "media")
}

func writeMediaFile(t *testing.T, mediaDir, rel string) string {
	t.Helper()
	p := filepath.Join(mediaDir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("orphan bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// seedReferenced stores a product image and a document with an image
// through the API, and returns their stored paths.
func seedReferenced(t *testing.T, s *testServer) []string {
	t.Helper()
	id := createProduct(t, s, "Chair", "10")
	r := s.mutate(t, addImageFull, map[string]any{"id": id, "image": nil},
		map[string]upload{"variables.image": {name: "a.png", body: pngBytes(t, 300, 300, 1)}})
	if len(r.Errors) > 0 {
		t.Fatalf("addProductImage: %s", r.Raw)
	}
	paths := []string{digString(r.Data, "addProductImage", "image", "path")}
	r = s.mutate(t, createDocumentFull, map[string]any{"input": map[string]any{"title": "Doc", "file": nil, "image": nil}},
		map[string]upload{
			"variables.input.file":  {name: "a.pdf", body: valPDF},
			"variables.input.image": {name: "c.png", body: pngBytes(t, 50, 50, 2)},
		})
	if len(r.Errors) > 0 {
		t.Fatalf("createDocument: %s", r.Raw)
	}
	paths = append(paths, digString(r.Data, "createDocument", "file", "path"), digString(r.Data, "createDocument", "image", "path"))
	slices.Sort(paths)
	if got := s.storedFiles(t); !slices.Equal(got, paths) {
		t.Fatalf("stored files %v, want %v", got, paths)
	}
	return paths
}

func TestSweepOrphansGoReferencedStay(t *testing.T) {
	databaseURL, mediaDir := sweepDirs(t)
	// Upload with the default grace: a grace of 1ms would (rightly) refuse
	// to commit rows for files stored more than grace/2 earlier.
	first, stopFirst := sweepServer(t, databaseURL, mediaDir, nil)
	referenced := seedReferenced(t, first)
	stopFirst()

	s, _ := sweepServer(t, databaseURL, mediaDir, map[string]string{"SWEEP_GRACE": "1ms"})
	orphans := []string{
		writeMediaFile(t, mediaDir, orphanKey("products/images/", "png")),
		writeMediaFile(t, mediaDir, orphanKey("documents/", "pdf")),
		writeMediaFile(t, mediaDir, orphanKey("images/", "png")),
	}
	temp := writeMediaFile(t, mediaDir, ".tmp/inflight-upload")
	time.Sleep(20 * time.Millisecond)

	n, err := s.Sweep(context.Background())
	if err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	if n != len(orphans) {
		t.Errorf("Sweep removed %d files, want %d", n, len(orphans))
	}
	for _, p := range orphans {
		if exists(p) {
			t.Errorf("orphan %s survived the sweep", p)
		}
	}
	for _, rel := range referenced {
		if !exists(filepath.Join(mediaDir, rel)) {
			t.Errorf("referenced file %s was swept", rel)
		}
		if resp, _ := s.get(t, "/media/"+rel); resp.StatusCode != 200 {
			t.Errorf("GET /media/%s after the sweep: %d", rel, resp.StatusCode)
		}
	}
	if !exists(temp) {
		t.Error("Sweep removed a temporary in .tmp (an upload in flight)")
	}
	if c := s.counts(t); c.products != 1 || c.images != 1 || c.documents != 1 {
		t.Errorf("rows after the sweep: %+v", c)
	}
	// A second sweep finds nothing more.
	if n, err := s.Sweep(context.Background()); n != 0 || err != nil {
		t.Errorf("second Sweep: %d, %v", n, err)
	}
}

func TestSweepKeepsYoungOrphans(t *testing.T) {
	databaseURL, mediaDir := sweepDirs(t)
	s, _ := sweepServer(t, databaseURL, mediaDir, map[string]string{"SWEEP_GRACE": "1h"})
	young := []string{
		writeMediaFile(t, mediaDir, orphanKey("products/images/", "png")),
		writeMediaFile(t, mediaDir, orphanKey("documents/", "pdf")),
	}
	n, err := s.Sweep(context.Background())
	if err != nil || n != 0 {
		t.Errorf("Sweep removed %d (%v), want 0: the orphans are younger than the grace", n, err)
	}
	for _, p := range young {
		if !exists(p) {
			t.Errorf("young orphan %s was swept", p)
		}
	}
	// Once older than the grace, they go.
	old := time.Now().Add(-2 * time.Hour)
	for _, p := range young {
		os.Chtimes(p, old, old)
	}
	if n, err := s.Sweep(context.Background()); err != nil || n != len(young) {
		t.Errorf("Sweep of aged orphans removed %d (%v), want %d", n, err, len(young))
	}
}

// TestSweepLeavesForeignFiles: files the server did not make (other
// software sharing the directory, a hand) are never swept, however old;
// an orphan of its own beside them is.
func TestSweepLeavesForeignFiles(t *testing.T) {
	databaseURL, mediaDir := sweepDirs(t)
	s, _ := sweepServer(t, databaseURL, mediaDir, map[string]string{"SWEEP_GRACE": "1h"})
	foreign := []string{
		writeMediaFile(t, mediaDir, "products/images/orphan.png"),       // a name the server never makes
		writeMediaFile(t, mediaDir, orphanKey("", "png")),               // no prefix
		writeMediaFile(t, mediaDir, orphanKey("other-app/", "pdf")),     // a prefix the server does not use
		writeMediaFile(t, mediaDir, orphanKey("products/", "png")),      // the parent of one
		writeMediaFile(t, mediaDir, orphanKey("documents/", "html")),    // an extension it never gives
		writeMediaFile(t, mediaDir, orphanKey("documents/old/", "pdf")), // under a prefix, not in it
	}
	orphan := writeMediaFile(t, mediaDir, orphanKey("documents/", "pdf"))
	old := time.Now().Add(-48 * time.Hour)
	for _, p := range append([]string{orphan}, foreign...) {
		os.Chtimes(p, old, old)
	}
	n, err := s.Sweep(context.Background())
	if err != nil || n != 1 {
		t.Errorf("Sweep removed %d (%v), want the 1 orphan of the server's", n, err)
	}
	if exists(orphan) {
		t.Errorf("orphan %s survived the sweep", orphan)
	}
	for _, p := range foreign {
		if !exists(p) {
			t.Errorf("the sweep removed foreign %s", p)
		}
	}
}

func TestSweepTemporariesRemovedAtStart(t *testing.T) {
	databaseURL, mediaDir := sweepDirs(t)
	first, stopFirst := sweepServer(t, databaseURL, mediaDir, nil)
	referenced := seedReferenced(t, first)
	stopFirst()

	// What a crash leaves: temporaries of any age, a file and a directory.
	leftovers := []string{
		writeMediaFile(t, mediaDir, ".tmp/upload-123"),
		writeMediaFile(t, mediaDir, ".tmp/stage/part-1"),
	}
	old := time.Now().Add(-48 * time.Hour)
	os.Chtimes(leftovers[0], old, old)

	second, _ := sweepServer(t, databaseURL, mediaDir, map[string]string{"SWEEP_GRACE": "1h"})
	for _, p := range leftovers {
		if exists(p) {
			t.Errorf("temporary %s survived the start of a new server", p)
		}
	}
	if entries, err := os.ReadDir(filepath.Join(mediaDir, ".tmp")); err != nil || len(entries) != 0 {
		t.Errorf(".tmp after start: %v, %v", entries, err)
	}
	if got := second.storedFiles(t); !slices.Equal(got, referenced) {
		t.Errorf("stored files after restart %v, want %v", got, referenced)
	}
	// The new server works on the old data.
	data := second.mustQuery(t, `{ products { totalCount edges { node { images { image { path } } } } } documents { totalCount } }`, nil)
	if dig(data, "products", "totalCount") != float64(1) || dig(data, "documents", "totalCount") != float64(1) ||
		digString(data, "products", "edges", 0, "node", "images", 0, "image", "path") != referenced[slices.IndexFunc(referenced, func(p string) bool { return filepath.Dir(p) == "products/images" })] {
		t.Errorf("after restart: %v", data)
	}
}
