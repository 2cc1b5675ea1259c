package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
)

// TestListQueryCountIsConstant: a page of products with nested images and
// their URLs costs the same few SQL statements whatever the page size (no
// N+1), and the images come ordered by position, then id.
func TestListQueryCountIsConstant(t *testing.T) {
	var statements atomic.Int64
	s := newTestServer(t, nil, WithDriverWrapper(func(d dialect.Driver) dialect.Driver {
		return dialect.DebugWithContext(d, func(context.Context, ...any) { statements.Add(1) })
	}))
	ctx := context.Background()
	for i := range 60 {
		p := s.Client.Product.Create().SetName(fmt.Sprintf("P%02d", i)).SetPrice(int64(i)).SaveX(ctx)
		for _, pos := range []int{2, 0, 1} {
			s.Client.ProductImage.Create().SetProductID(p.ID).SetPosition(pos).
				SetImagePath(fmt.Sprintf("products/images/%d-%d.png", p.ID, pos)).SetImageName("a.png").
				SetImageSize(1).SetImageContentType("image/png").SetImageSha256("x").SaveX(ctx)
		}
	}
	count := func(first int, query string) int64 {
		statements.Store(0)
		data := s.mustQuery(t, fmt.Sprintf(query, first), nil)
		edges, _ := dig(data, "products", "edges").([]any)
		if len(edges) != first {
			t.Fatalf("first %d: %d edges", first, len(edges))
		}
		for i := range edges {
			for pos := 0; pos < 3; pos++ {
				if got := dig(edges[i], "node", "images", pos, "position"); got != float64(pos) {
					t.Fatalf("product %d image %d has position %v", i, pos, got)
				}
			}
			if digString(edges[i], "node", "images", 0, "image", "url") == "" {
				t.Fatal("no url")
			}
		}
		return statements.Load()
	}
	for _, q := range []string{
		`{ products(first: %d) { edges { node { id images { position image { url } } } } } }`,
		`{ products(first: %d) { totalCount edges { node { id name images { position alt image { url width } } } } } }`,
		`{ products(first: %d) { edges { node { id images { position image { url } } pics: images { position image { url } } } } } }`,
	} {
		small, large := count(5, q), count(50, q)
		t.Logf("%d statements (5 products), %d (50 products): %s", small, large, q)
		if small != large || large > 4 {
			t.Errorf("%s: %d statements for 5 products, %d for 50", q, small, large)
		}
	}
}

// TestDeferredFieldsAnswered: operations with @defer (on an inline fragment
// or a named fragment's spread) take gqlgen's deferred path, not the
// shortcut for operations without it (graph/execution.go), and answer the
// deferred fields over POST as without @defer; the same fields without
// @defer answer the same.
func TestDeferredFieldsAnswered(t *testing.T) {
	s := newTestServer(t, nil)
	createProduct(t, s, "Lamp", "5")
	want := s.query(t, `{ products(first: 1) { edges { node { id name price } } } }`, nil)
	if len(want.Errors) > 0 {
		t.Fatalf("errors: %s", want.Raw)
	}
	for _, q := range []string{
		`{ products(first: 1) { edges { node { id ... @defer { name } price } } } }`,
		`query { products(first: 1) { edges { node { id ...F } } } } fragment F on Product { name ... @defer(label: "p") { price } }`,
		`query { products(first: 1) { edges { node { ...G @defer } } } } fragment G on Product { id name price }`,
	} {
		got := s.query(t, q, nil)
		if len(got.Errors) > 0 {
			t.Fatalf("%s: errors: %s", q, got.Raw)
		}
		if fmt.Sprint(got.Data) != fmt.Sprint(want.Data) {
			t.Errorf("%s:\n got %s\nwant %s", q, got.Raw, want.Raw)
		}
	}
}

// TestListImageColumns: a page's images are loaded with the columns its
// selections need (graph/columns.go), and every field answers its stored
// value whichever subset is asked, aliases, fragments and a nested product
// (all columns) included.
func TestListImageColumns(t *testing.T) {
	var mu sync.Mutex
	var statements []string
	s := newTestServer(t, nil, WithDriverWrapper(func(d dialect.Driver) dialect.Driver {
		return dialect.DebugWithContext(d, func(_ context.Context, v ...any) {
			mu.Lock()
			statements = append(statements, fmt.Sprint(v...))
			mu.Unlock()
		})
	}))
	ctx := context.Background()
	p := s.Client.Product.Create().SetName("Lamp").SetPrice(500).SaveX(ctx)
	im := s.Client.ProductImage.Create().SetProductID(p.ID).SetPosition(7).SetAlt("the lamp, lit").
		SetImagePath("products/images/lamp.png").SetImageName("Lamp photo.png").SetImageSize(123456).
		SetImageContentType("image/png").SetImageSha256("ab12").SetImageWidth(640).SetImageHeight(480).SaveX(ctx)
	im = s.Client.ProductImage.GetX(ctx, im.ID) // as stored (PostgreSQL keeps microseconds)
	want := map[string]any{
		"id": fmt.Sprint(im.ID), "alt": "the lamp, lit", "position": float64(7), "createdAt": im.CreatedAt.UTC().Format(time.RFC3339Nano),
		"path": "products/images/lamp.png", "url": "/media/products/images/lamp.png", "name": "Lamp photo.png",
		"size": float64(123456), "contentType": "image/png", "sha256": "ab12", "width": float64(640), "height": float64(480),
	}
	imagesQuery := func(t *testing.T, q string) (map[string]any, string) {
		t.Helper()
		mu.Lock()
		statements = nil
		mu.Unlock()
		data := s.mustQuery(t, q, nil)
		mu.Lock()
		defer mu.Unlock()
		for _, st := range statements {
			if strings.Contains(st, "FROM `product_images`") || strings.Contains(st, `FROM "product_images"`) {
				return data, st
			}
		}
		t.Fatalf("no images query among %q", statements)
		return nil, ""
	}
	check := func(t *testing.T, got any, fields ...string) {
		t.Helper()
		m, _ := got.(map[string]any)
		for _, f := range fields {
			v := m[f]
			if f == "image" {
				continue
			}
			if f == "createdAt" {
				if tm, err := time.Parse(time.RFC3339Nano, fmt.Sprint(v)); err != nil || !tm.Equal(im.CreatedAt) {
					t.Errorf("createdAt %v, want %v", v, im.CreatedAt)
				}
				continue
			}
			if v != want[f] {
				t.Errorf("%s = %#v, want %#v", f, v, want[f])
			}
		}
	}
	image := func(t *testing.T, data map[string]any, alias string) map[string]any {
		t.Helper()
		m, _ := dig(data, "products", "edges", 0, "node", alias, 0).(map[string]any)
		if m == nil {
			t.Fatalf("no %s in %v", alias, data)
		}
		return m
	}

	t.Run("url only", func(t *testing.T) {
		data, st := imagesQuery(t, `{ products(first: 5) { edges { node { images { image { url } } } } } }`)
		check(t, image(t, data, "images")["image"], "url")
		for _, col := range []string{"image_sha256", "image_name", "created_at", "alt"} {
			if strings.Contains(st, col) {
				t.Errorf("images query reads %s, which the page does not ask for: %s", col, st)
			}
		}
	})
	t.Run("every field", func(t *testing.T) {
		data, _ := imagesQuery(t, `{ products(first: 5) { edges { node { images { id alt position createdAt
			image { path url name size contentType sha256 width height __typename } } } } } }`)
		got := image(t, data, "images")
		check(t, got, "id", "alt", "position", "createdAt")
		check(t, got["image"], "path", "url", "name", "size", "contentType", "sha256", "width", "height")
	})
	t.Run("aliases and fragments", func(t *testing.T) {
		data, st := imagesQuery(t, `query { products(first: 5) { edges { node { a: images { image { url } } ...F } } } }
			fragment F on Product { b: images { ... on ProductImage { alt image { sha256 } } } }`)
		check(t, image(t, data, "a")["image"], "url")
		check(t, image(t, data, "b"), "alt")
		check(t, image(t, data, "b")["image"], "sha256")
		if strings.Contains(st, "image_name") {
			t.Errorf("images query reads image_name: %s", st)
		}
	})
	t.Run("nested product", func(t *testing.T) {
		data, _ := imagesQuery(t, `{ products(first: 5) { edges { node { images { image { url }
			product { images { alt image { name height } } } } } } } }`)
		nested, _ := dig(data, "products", "edges", 0, "node", "images", 0, "product", "images", 0).(map[string]any)
		check(t, nested, "alt")
		check(t, nested["image"], "name", "height")
	})
}
