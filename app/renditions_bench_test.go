package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"mediagraph/media"
)

// BenchmarkAddImageRenditions is one addProductImage of a 1-megapixel
// JPEG through the whole handler, with renditions off, made in the
// background (the default: the mutation answers once the row commits),
// and made before the answer (behind an absolute MEDIA_URL: a CDN never
// asks the server for a variant not yet made). Its time per upload is the
// price of waiting, which decides when the server waits. In the background
// case the worker's CPU is not in the figure (the loop waits for the
// queue to drain at the end only).
func BenchmarkAddImageRenditions(b *testing.B) {
	var img bytes.Buffer
	if err := jpeg.Encode(&img, testImage(1224, 816, 1), &jpeg.Options{Quality: 90}); err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct{ name, renditions, mediaURL string }{
		{"off", "none", "/media/"},
		{"background", media.DefaultPresets, "/media/"},
		{"wait-cdn", media.DefaultPresets, "https://cdn.example/media/"},
	} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			env := map[string]string{
				"DATABASE_URL": "sqlite:" + filepath.Join(dir, "mediagraph.db"),
				"STORAGE_URL":  filepath.Join(dir, "media"),
				"RENDITIONS":   c.renditions,
				"MEDIA_URL":    c.mediaURL,
			}
			cfg, err := LoadConfig(nil, func(k string) string { return env[k] })
			if err != nil {
				b.Fatal(err)
			}
			srv, err := BuildServer(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				b.Fatal(err)
			}
			defer srv.Close()
			p := srv.Client.Product.Create().SetName("Chair").SetPrice(100).SaveX(context.Background())
			ops, _ := json.Marshal(map[string]any{
				"query":     `mutation($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) { id image { thumb: variant(name: "thumb") { url } } } }`,
				"variables": map[string]any{"id": fmt.Sprint(p.ID), "image": nil},
			})
			body, contentType := multipartBody(b, json.RawMessage(ops), map[string][]string{"0": {"variables.image"}}, upload{field: "0", name: "a.jpg", body: img.Bytes()})
			raw := body.Bytes()
			b.SetBytes(int64(len(raw)))
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(raw))
				req.Header.Set("Content-Type", contentType)
				req.Header.Set("Apollo-Require-Preflight", "1")
				rec := httptest.NewRecorder()
				srv.Handler.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
					b.Fatalf("status %d: %s", rec.Code, rec.Body.Bytes())
				}
			}
		})
	}
}
