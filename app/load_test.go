package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// TestConcurrentUploads: 200 uploads from several clients, at most 32
// connections at a time, against one server: 200 rows, 200 complete files
// with matching sha256, no error.
func TestConcurrentUploads(t *testing.T) {
	s := newTestServer(t, nil)
	const uploads, connections = 200, 32
	products := make([]string, 4) // several clients, each on its product
	for i := range products {
		products[i] = createProduct(t, s, fmt.Sprintf("P%d", i), "1")
	}
	images := make([][]byte, uploads)
	for i := range images {
		images[i] = pngBytes(t, 300, 300, uint8(i))
	}
	sem := make(chan struct{}, connections)
	errs := make(chan string, uploads)
	ids := make([]string, uploads)
	var wg sync.WaitGroup
	for i := range uploads {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			body, ct := multipartBody(t, map[string]any{
				"query":     `mutation($id: ID!, $image: Upload!, $alt: String) { addProductImage(productID: $id, image: $image, alt: $alt) { id image { sha256 } } }`,
				"variables": map[string]any{"id": products[i%len(products)], "image": nil, "alt": fmt.Sprint(i)},
			}, map[string][]string{"0": {"variables.image"}}, upload{field: "0", name: "a.png", body: images[i]})
			req, _ := http.NewRequest(http.MethodPost, s.URL+"/query", body)
			req.Header.Set("Content-Type", ct)
			req.Header.Set("Apollo-Require-Preflight", "1")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- fmt.Sprintf("upload %d: %v", i, err)
				return
			}
			defer resp.Body.Close()
			var out struct {
				Data struct {
					AddProductImage struct {
						ID    string
						Image struct{ Sha256 string }
					}
				}
				Errors []gqlError
			}
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 || len(out.Errors) > 0 {
				errs <- fmt.Sprintf("upload %d: status %d, %v %v", i, resp.StatusCode, err, out.Errors)
				return
			}
			if out.Data.AddProductImage.Image.Sha256 != sha(images[i]) {
				errs <- fmt.Sprintf("upload %d: sha256 differs", i)
			}
			ids[i] = out.Data.AddProductImage.ID
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if c := s.counts(t); c.images != uploads || c.files != uploads {
		t.Fatalf("counts %+v, want %d rows and files", c, uploads)
	}
	rows := s.Client.ProductImage.Query().AllX(context.Background())
	for _, row := range rows {
		b, err := os.ReadFile(filepath.Join(s.mediaDir, row.ImagePath))
		if err != nil || sha(b) != row.ImageSha256 || int64(len(b)) != row.ImageSize {
			t.Errorf("row %d: file %s incomplete or missing (%v)", row.ID, row.ImagePath, err)
		}
		i, _ := strconv.Atoi(row.Alt)
		if row.ImageSha256 != sha(images[i]) {
			t.Errorf("row %d (upload %d) holds another upload's file", row.ID, i)
		}
	}
}

// TestDiskFull fills a real, small file system (a 2 MiB tmpfs) with an
// upload: ENOSPC is STORAGE_FULL (507), nothing is half-stored, and the
// server stores again once there is room. Needs root (mount); skipped
// otherwise.
func TestDiskFull(t *testing.T) {
	if os.Getenv("MEDIAGRAPH_TEST_STORAGE") == "s3" {
		t.Skip("local disk only")
	}
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	dir := t.TempDir()
	mnt := filepath.Join(dir, "small")
	os.Mkdir(mnt, 0o755)
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs here: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", mnt).Run() })
	media := filepath.Join(mnt, "media")
	s := newTestServer(t, map[string]string{"STORAGE_URL": media})
	s.mediaDir = media
	before := s.counts(t)
	big := make([]byte, 3<<20)
	for i := range big {
		big[i] = 'a' + byte(i%26)
	}
	r := s.mutate(t, `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { id } }`,
		map[string]any{"input": map[string]any{"title": "Big", "file": nil}},
		map[string]upload{"variables.input.file": {name: "big.txt", body: big}})
	wantErrorCode(t, r, 507, "STORAGE_FULL", "")
	if after := s.counts(t); after != before {
		t.Errorf("counts %+v → %+v", before, after)
	}
	if n := tmpEntries(media); n != 0 {
		t.Errorf("%d temporaries left on the full disk", n)
	}
	// Room again (the failed upload freed its temporary): a small one goes.
	r = s.mutate(t, `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { id } }`,
		map[string]any{"input": map[string]any{"title": "Small", "file": nil}},
		map[string]upload{"variables.input.file": {name: "small.txt", body: big[:100<<10]}})
	if len(r.Errors) > 0 {
		t.Fatalf("after the disk-full refusal: %s", r.Raw)
	}
	if c := s.counts(t); c.documents != before.documents+1 || c.files != before.files+1 {
		t.Errorf("counts %+v", c)
	}
}
