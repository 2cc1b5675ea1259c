package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"mediagraph/media/mediatest"
)

// replica is one server process seen as a client sees it.
type replica struct {
	*process
	url string
}

func (r replica) post(t *testing.T, body io.Reader, contentType string) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, r.url+"/query", body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Apollo-Require-Preflight", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST %s: %v", r.url, err)
		return nil
	}
	defer resp.Body.Close()
	var out struct {
		Data   map[string]any `json:"data"`
		Errors []gqlError     `json:"errors"`
	}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil || resp.StatusCode != 200 || len(out.Errors) > 0 {
		t.Errorf("POST %s: %d %s", r.url, resp.StatusCode, raw)
		return nil
	}
	return out.Data
}

func (r replica) query(t *testing.T, query string, vars map[string]any) map[string]any {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return r.post(t, bytes.NewReader(b), "application/json")
}

func (r replica) addImage(t *testing.T, productID string, img []byte) map[string]any {
	t.Helper()
	body, ct := multipartBody(t, map[string]any{
		"query":     `mutation($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) { id image { path url sha256 } } }`,
		"variables": map[string]any{"id": productID, "image": nil},
	}, map[string][]string{"0": {"variables.image"}}, upload{field: "0", name: "a.png", body: img})
	return r.post(t, body, ct)
}

func (r replica) sweepRuns(t *testing.T) int {
	return int(metricValue(t, r.url, `mediagraph_sweep_runs_total{outcome="ok"}`))
}

// TestReplicas starts two server processes on one PostgreSQL database and
// one bucket: what one stores the other reads, serves and deletes;
// concurrent uploads to both lose nothing; both sweep, and the sweeps
// remove an orphan but no committed file.
func TestReplicas(t *testing.T) {
	if os.Getenv("MEDIAGRAPH_TEST_DATABASE") != "postgres" || os.Getenv("MEDIAGRAPH_TEST_STORAGE") != "s3" {
		t.Skip("runs in the PostgreSQL + S3 pass of the test command")
	}
	dir := t.TempDir()
	dbURL := testDatabaseURL(t, dir)
	storageURL, bucketDir := testStorage(t, dir)
	env := []string{"SWEEP_INTERVAL=500ms", "SWEEP_GRACE=3s"}
	// Both start at once: the migration lock makes them take turns.
	var a, b replica
	var wg sync.WaitGroup
	wg.Go(func() { p := startProcessOn(t, dbURL, storageURL, env...); a = replica{p, "http://" + p.addr} })
	wg.Go(func() { p := startProcessOn(t, dbURL, storageURL, env...); b = replica{p, "http://" + p.addr} })
	wg.Wait()
	if a.process == nil || b.process == nil {
		t.FailNow()
	}

	// Stored through A; read, served and deleted through B.
	data := a.query(t, `mutation { createProduct(input: {name: "Shared", price: "3"}) { id } }`, nil)
	productID := digString(data, "createProduct", "id")
	img := pngBytes(t, 300, 300, 1)
	added := a.addImage(t, productID, img)
	path := digString(added, "addProductImage", "image", "path")
	data = b.query(t, `query($id: ID!) { product(id: $id) { images { id image { url sha256 } } } }`, map[string]any{"id": productID})
	if digString(data, "product", "images", 0, "image", "sha256") != sha(img) {
		t.Fatalf("B reads %v", data)
	}
	resp, err := http.Get(b.url + digString(data, "product", "images", 0, "image", "url"))
	if err != nil {
		t.Fatal(err)
	}
	served, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || sha(served) != sha(img) {
		t.Fatalf("B serves %d, %d bytes", resp.StatusCode, len(served))
	}
	b.query(t, `mutation($id: ID!) { deleteProductImage(id: $id) }`, map[string]any{"id": digString(data, "product", "images", 0, "id")})
	if _, err := os.Stat(filepath.Join(bucketDir, path)); !os.IsNotExist(err) {
		t.Errorf("deleted through B, the object is still in the bucket: %v", err)
	}

	// An orphan object (as if a replica crashed between storing and
	// committing) for the sweeps to find.
	// A generated name and the type Put stores: the sweeps take it for
	// one of theirs.
	orphan := orphanKey("products/images/", "png")
	_, err = mediatest.Start(t).Client().PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(filepath.Base(bucketDir)), Key: aws.String(orphan), Body: bytes.NewReader(img),
		ContentType: aws.String("image/png"),
	})
	if err != nil {
		t.Fatal(err)
	}

	// Concurrent uploads to both replicas.
	const uploads = 24
	images := make([][]byte, uploads)
	results := make([]map[string]any, uploads)
	var up sync.WaitGroup
	for i := range uploads {
		images[i] = pngBytes(t, 300, 300, uint8(10+i))
		r := a
		if i%2 == 1 {
			r = b
		}
		up.Go(func() { results[i] = r.addImage(t, productID, images[i]) })
	}
	up.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// Wait past the grace period so that both replicas sweep everything
	// that exists now at least once.
	deadline := time.Now().Add(20 * time.Second)
	startA, startB := a.sweepRuns(t), b.sweepRuns(t)
	time.Sleep(3500 * time.Millisecond)
	for a.sweepRuns(t) < startA+2 || b.sweepRuns(t) < startB+2 {
		if time.Now().After(deadline) {
			t.Fatalf("sweeps did not run: A %d, B %d", a.sweepRuns(t), b.sweepRuns(t))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, err := os.Stat(filepath.Join(bucketDir, orphan)); !os.IsNotExist(err) {
		t.Errorf("the orphan survived the sweeps: %v", err)
	}
	data = a.query(t, `query($id: ID!) { product(id: $id) { images { image { path sha256 } } } }`, map[string]any{"id": productID})
	list, _ := dig(data, "product", "images").([]any)
	if len(list) != uploads {
		t.Fatalf("%d images after %d concurrent uploads", len(list), uploads)
	}
	want := map[string]bool{}
	for _, im := range images {
		want[sha(im)] = true
	}
	for i := range list {
		p, h := digString(list[i], "image", "path"), digString(list[i], "image", "sha256")
		if !want[h] {
			t.Errorf("image %d has an unexpected sha256", i)
		}
		got, err := os.ReadFile(filepath.Join(bucketDir, p))
		if err != nil || sha(got) != h {
			t.Errorf("object %s after the sweeps: %v", p, err)
		}
	}
	for _, r := range []replica{a, b} {
		if strings.Contains(r.output(), "level=ERROR") {
			t.Errorf("replica %s logged errors:\n%s", r.addr, r.output())
		}
	}
}

// TestNoCommitAfterGrace: files stored longer ago than half the sweep
// grace are not committed (a sweep may already count them as orphans);
// the mutation fails and leaves nothing.
func TestNoCommitAfterGrace(t *testing.T) {
	s := newTestServer(t, map[string]string{"SWEEP_GRACE": "2ms", "SWEEP_INTERVAL": "1h"})
	id := createProduct(t, s, "P", "1")
	before := s.counts(t)
	// A large image takes longer than 1 ms to check and store.
	r := s.mutate(t, addImage, map[string]any{"id": id, "image": nil},
		map[string]upload{"variables.image": {name: "a.png", body: pngBytes(t, 1200, 1200, 1)}})
	wantErrorCode(t, r, 200, "INTERNAL_SERVER_ERROR", "")
	if after := s.counts(t); after != before {
		t.Errorf("counts %+v → %+v", before, after)
	}
}
