package app

import (
	"context"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestMetrics(t *testing.T) {
	s := newTestServer(t, nil)
	id := createProduct(t, s, "P", "1")
	img := pngBytes(t, 300, 300, 1)
	s.mutate(t, addImage, map[string]any{"id": id, "image": nil}, map[string]upload{"variables.image": {name: "a.png", body: img}})
	s.mutate(t, addImage, map[string]any{"id": id, "image": nil}, map[string]upload{"variables.image": {name: "s.png", body: pngBytes(t, 10, 10, 1)}})
	if _, err := s.Sweep(context.Background()); err != nil {
		t.Fatal(err)
	}
	resp, body := s.get(t, "/metrics")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	text := string(body)
	for _, want := range []string{
		`mediagraph_upload_files_total{outcome="stored",target="ProductImage.image"} 1`,
		`mediagraph_upload_files_total{outcome="IMAGE_TOO_SMALL",target="ProductImage.image"} 1`,
		`mediagraph_upload_bytes_total{outcome="stored",target="ProductImage.image"} ` + strconv.Itoa(len(img)),
		`mediagraph_graphql_operations_total{field="addProductImage",outcome="ok",type="mutation"} 1`,
		`mediagraph_graphql_operations_total{field="addProductImage",outcome="error",type="mutation"} 1`,
		`mediagraph_graphql_operations_total{field="createProduct",outcome="ok",type="mutation"} 1`,
		`mediagraph_http_requests_total{code="200",handler="query",method="POST"} 3`,
		`mediagraph_graphql_operation_duration_seconds_count{field="addProductImage",type="mutation"} 2`,
		`mediagraph_http_request_duration_seconds_bucket{handler="query",le="+Inf"} 3`,
		`mediagraph_sweep_runs_total{outcome="ok"} 1`,
		`mediagraph_sweep_removed_files_total 0`,
		`go_goroutines`,
		`process_resident_memory_bytes`,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestReadinessFailsWithoutDatabaseOrStorage(t *testing.T) {
	t.Run("database", func(t *testing.T) {
		s := newTestServer(t, nil)
		if resp, _ := s.get(t, "/readyz"); resp.StatusCode != 200 {
			t.Fatalf("/readyz = %d before", resp.StatusCode)
		}
		s.db.Close()
		resp, body := s.get(t, "/readyz")
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "database") {
			t.Errorf("/readyz with the database closed: %d %s", resp.StatusCode, body)
		}
		if resp, _ := s.get(t, "/healthz"); resp.StatusCode != 200 {
			t.Errorf("/healthz = %d: liveness must not depend on the database", resp.StatusCode)
		}
	})
	t.Run("storage", func(t *testing.T) {
		s := newTestServer(t, nil)
		if err := os.RemoveAll(s.mediaDir); err != nil {
			t.Fatal(err)
		}
		resp, body := s.get(t, "/readyz")
		if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "storage") {
			t.Errorf("/readyz with the media root gone: %d %s", resp.StatusCode, body)
		}
	})
}
