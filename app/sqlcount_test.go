package app

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"entgo.io/ent/dialect"
)

// TestSQLCountOfAProductPage: a page of products with their nested images
// costs a fixed, small number of SQL statements whatever its size (no N+1),
// and each product's images come ordered by position, then id.
func TestSQLCountOfAProductPage(t *testing.T) {
	var statements atomic.Int64
	s := newTestServer(t, nil, WithDriverWrapper(func(d dialect.Driver) dialect.Driver {
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
		`{ products(first: %d) { totalCount edges { node { id name images { image { url } } } } } }`,
		`{ products(first: %d) { totalCount edges { node { id name images { id position image { url width } } } } } }`,
		`{ products(first: %d, orderBy: {field: PRICE, direction: DESC}) { edges { node { id images { id position alt product { name } image { url } } } } } }`,
		`{ products(first: %d) { edges { node { id images { id image { url } } more: images { id position } } } } }`,
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
				if digString(im, "image", "url") == "" && dig(im, "image") != nil {
					t.Errorf("product %s image %d has no url", pid, k)
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
		t.Logf("%d statements for 5 products, %d for 50: %s", small, large, q)
		if small != large {
			t.Errorf("statement count depends on the page size (N+1): %d for 5, %d for 50: %s", small, large, q)
		}
		if large > 4 {
			t.Errorf("%d statements for a page, want at most 4: %s", large, q)
		}
	}
}
