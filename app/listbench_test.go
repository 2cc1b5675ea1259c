package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"mediagraph/ent"
)

// BenchmarkListPage is bench/run.sh's list page (a page of 50 products of
// 1,000, with their 3 images' URLs) through the whole handler, in process:
// the POST transport, GraphQL execution, the two SQL statements on SQLite
// and the marshalling, without the network. Its allocations per page are
// exact; its time is the CPU of one page.
func BenchmarkListPage(b *testing.B) {
	dir := b.TempDir()
	env := map[string]string{
		"DATABASE_URL": "sqlite:" + filepath.Join(dir, "mediagraph.db"),
		"STORAGE_URL":  filepath.Join(dir, "media"),
	}
	cfg, err := LoadConfig(nil, func(k string) string { return env[k] })
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	srv, err := BuildServer(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	for batch := range 10 {
		products := make([]*ent.ProductCreate, 100)
		for i := range products {
			n := batch*100 + i
			products[i] = srv.Client.Product.Create().SetName(fmt.Sprintf("Seed %04d", n)).
				SetDescription(fmt.Sprintf("Seeded product number %d for the list benchmark.", n)).SetPrice(int64(n%500*100 + 99))
		}
		created := srv.Client.Product.CreateBulk(products...).SaveX(ctx)
		var images []*ent.ProductImageCreate
		for _, p := range created {
			for k := range 3 {
				images = append(images, srv.Client.ProductImage.Create().SetProductID(p.ID).SetPosition(k).
					SetImagePath(fmt.Sprintf("products/images/%026d.png", p.ID*3+k)).SetImageName("seed.png").
					SetImageSize(693).SetImageContentType("image/png").SetImageSha256(strings.Repeat("0", 64)).
					SetImageWidth(300).SetImageHeight(300))
			}
		}
		srv.Client.ProductImage.CreateBulk(images...).ExecX(ctx)
	}
	body := `{"query":"{ products(first: 50) { edges { node { id name price images { image { url } } } } } }"}`
	page := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.Handler.ServeHTTP(rec, req)
		return rec
	}
	var answer struct {
		Data struct {
			Products struct {
				Edges []struct {
					Node struct {
						Images []struct{ Image struct{ URL string } }
					}
				}
			}
		}
		Errors []any
	}
	rec := page()
	if err := json.Unmarshal(rec.Body.Bytes(), &answer); err != nil || rec.Code != http.StatusOK || len(answer.Errors) > 0 {
		b.Fatalf("status %d, %v: %s", rec.Code, err, rec.Body.Bytes()[:min(rec.Body.Len(), 300)])
	}
	urls := 0
	for _, e := range answer.Data.Products.Edges {
		for _, im := range e.Node.Images {
			if strings.HasPrefix(im.Image.URL, "/media/products/images/") {
				urls++
			}
		}
	}
	if len(answer.Data.Products.Edges) != 50 || urls != 150 {
		b.Fatalf("page has %d products and %d image URLs, want 50 and 150", len(answer.Data.Products.Edges), urls)
	}
	b.SetBytes(int64(rec.Body.Len()))
	b.ReportAllocs()
	for b.Loop() {
		if rec := page(); rec.Code != http.StatusOK {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
