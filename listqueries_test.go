package main

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

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
