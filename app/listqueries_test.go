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

// TestListQueryCountIsConstant: a page of products with their nested
// images and their URLs costs a fixed, small number of SQL statements
// whatever its size (no N+1), and each product's images come ordered by
// position, then id (bench/run.sh reads its log line).
func TestListQueryCountIsConstant(t *testing.T) {
	var statements atomic.Int64
	// Renditions on: a list page's thumbnails (variant(name:)) come from
	// the same rows.
	s := newTestServer(t, map[string]string{"RENDITIONS": "thumb=100x100:cover,small=320,medium=640,large=1280"}, WithDriverWrapper(func(d dialect.Driver) dialect.Driver {
		return dialect.DebugWithContext(d, func(context.Context, ...any) { statements.Add(1) })
	}))
	ctx := context.Background()
	// wantOrder[productID] is the image ids in position, then id, order.
	wantOrder := map[string][]string{}
	for i := range 55 {
		p := s.Client.Product.Create().SetName(fmt.Sprintf("Product %02d", i)).SetPrice(int64(100 + i)).SaveX(ctx)
		ids := map[int]string{}
		// Positions out of order, and two images sharing a position on
		// every other product (then the id decides).
		positions := []int{2, 0, 1}
		if i%2 == 1 {
			positions = []int{1, 0, 1}
		}
		for n, pos := range positions {
			im := s.Client.ProductImage.Create().SetProductID(p.ID).SetPosition(pos).
				SetImagePath(fmt.Sprintf("products/images/p%d-%d.png", p.ID, n)).SetImageName("a.png").
				SetImageSize(100).SetImageContentType("image/png").SetImageSha256("00").
				SetImageWidth(300).SetImageHeight(300).SaveX(ctx)
			ids[n] = fmt.Sprint(im.ID)
		}
		if i%2 == 1 {
			wantOrder[fmt.Sprint(p.ID)] = []string{ids[1], ids[0], ids[2]}
		} else {
			wantOrder[fmt.Sprint(p.ID)] = []string{ids[1], ids[2], ids[0]}
		}
	}

	queries := []string{
		`{ products(first: %d) { edges { node { id images { position image { url } } } } } }`,
		`{ products(first: %d) { totalCount edges { node { id name images { image { url } } } } } }`,
		`{ products(first: %d) { totalCount edges { node { id name images { id position image { url width } } } } } }`,
		`{ products(first: %d, orderBy: {field: PRICE, direction: DESC}) { edges { node { id images { id position alt product { name } image { url } } } } } }`,
		`{ products(first: %d) { edges { node { id images { id image { url } } more: images { id position } } } } }`,
		`{ products(first: %d) { edges { node { id images { position image { url } } pics: images { position image { url } } } } } }`,
		`{ products(first: %d) { edges { node { id name images { image { variant(name: "thumb") { url } } } } } } }`,
		`{ products(first: %d) { edges { node { id images { alt image { url srcset placeholder variants { name url width height } } } } } } }`,
	}
	run := func(q string, first int) int64 {
		t.Helper()
		statements.Store(0)
		data := s.mustQuery(t, fmt.Sprintf(q, first), nil)
		n := statements.Load()
		edges, _ := dig(data, "products", "edges").([]any)
		if len(edges) != first {
			t.Fatalf("first: %d gave %d edges", first, len(edges))
		}
		for _, e := range edges {
			pid := digString(e, "node", "id")
			images, _ := dig(e, "node", "images").([]any)
			if len(images) != 3 {
				t.Fatalf("product %s has %d images", pid, len(images))
			}
			for k, im := range images {
				if k > 0 {
					if p, prev := dig(im, "position"), dig(images[k-1], "position"); p != nil && p.(float64) < prev.(float64) {
						t.Errorf("product %s: images[%d] at position %v after %v", pid, k, p, prev)
					}
				}
				if thumb := digString(im, "image", "variant", "url"); dig(im, "image", "variant") != nil && !strings.HasSuffix(thumb, ".100x100.png") {
					t.Errorf("product %s image %d: thumb at %q", pid, k, thumb)
				} else if digString(im, "image", "url") == "" && dig(im, "image") != nil && thumb == "" {
					t.Errorf("product %s image %d has no url", pid, k)
				}
				if variants, _ := dig(im, "image", "variants").([]any); dig(im, "image", "variants") != nil && len(variants) != 4 {
					t.Errorf("product %s image %d: %d variants, want 4", pid, k, len(variants))
				}
				if id := digString(im, "id"); id != "" && id != wantOrder[pid][k] {
					t.Errorf("product %s: images[%d] is %s, want %s (order by position, then id: %v)", pid, k, id, wantOrder[pid][k], wantOrder[pid])
				}
			}
			if more, ok := dig(e, "node", "more").([]any); ok {
				for k := range more {
					if digString(more[k], "id") != wantOrder[pid][k] {
						t.Errorf("product %s: aliased images[%d] is %s, want %s", pid, k, digString(more[k], "id"), wantOrder[pid][k])
					}
				}
			}
		}
		return n
	}
	for _, q := range queries {
		small, large := run(q, 5), run(q, 50)
		t.Logf("%d statements (5 products), %d (50 products): %s", small, large, q)
		if small != large {
			t.Errorf("statement count depends on the page size (N+1): %d for 5, %d for 50: %s", small, large, q)
		}
		if large > 4 {
			t.Errorf("%d statements for a page, want at most 4: %s", large, q)
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
