package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const productImageFields = `id position alt image { path url name size contentType sha256 width height }`

func TestCreateProductWithImagesAndReadBack(t *testing.T) {
	s := newTestServer(t, nil)
	a, b := pngBytes(t, 320, 320, 1), pngBytes(t, 400, 300, 2)
	r := s.mutate(t, `mutation($input: CreateProductInput!, $images: [Upload!]) {
		createProduct(input: $input, images: $images) { id name description price images { `+productImageFields+` } }
	}`, map[string]any{
		"input":  map[string]any{"name": "Chair", "description": "Oak", "price": "19.9"},
		"images": []any{nil, nil},
	}, map[string]upload{
		"variables.images.0": {name: "front.png", body: a},
		"variables.images.1": {name: "back.png", body: b},
	})
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("createProduct: %d %s", r.Status, r.Raw)
	}
	p := dig(r.Data, "createProduct")
	if got := digString(p, "price"); got != "19.90" {
		t.Errorf("price = %q, want 19.90", got)
	}
	for i, want := range []struct {
		name   string
		body   []byte
		width  float64
		height float64
	}{{"front.png", a, 320, 320}, {"back.png", b, 400, 300}} {
		im := dig(p, "images", i)
		if got := dig(im, "position"); got != float64(i) {
			t.Errorf("images[%d].position = %v", i, got)
		}
		f := dig(im, "image")
		path := digString(f, "path")
		if !strings.HasPrefix(path, "products/images/") || !strings.HasSuffix(path, ".png") {
			t.Errorf("path = %q, want products/images/….png", path)
		}
		if digString(f, "url") != "/media/"+path {
			t.Errorf("url = %q", digString(f, "url"))
		}
		if digString(f, "name") != want.name || digString(f, "contentType") != "image/png" ||
			digString(f, "sha256") != sha(want.body) || dig(f, "size") != float64(len(want.body)) ||
			dig(f, "width") != want.width || dig(f, "height") != want.height {
			t.Errorf("image %d = %v", i, f)
		}
		resp, body := s.get(t, digString(f, "url"))
		if resp.StatusCode != http.StatusOK || sha(body) != sha(want.body) {
			t.Errorf("GET %s: %d, %d bytes", digString(f, "url"), resp.StatusCode, len(body))
		}
		if resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("GET %s headers: %v", digString(f, "url"), resp.Header)
		}
	}
	// Read back through product(id) and products.
	id := digString(p, "id")
	data := s.mustQuery(t, `query($id: ID!) { product(id: $id) { name images { position image { sha256 } } } }`, map[string]any{"id": id})
	if digString(data, "product", "images", 1, "image", "sha256") != sha(b) {
		t.Errorf("product(id) images = %v", dig(data, "product", "images"))
	}
	data = s.mustQuery(t, `{ products(first: 10) { totalCount edges { node { id images { image { url } } } } } }`, nil)
	if dig(data, "products", "totalCount") != float64(1) || digString(data, "products", "edges", 0, "node", "id") != id {
		t.Errorf("products = %v", data)
	}
	if c := s.counts(t); c != (counts{products: 1, images: 2, files: 2}) {
		t.Errorf("counts = %+v", c)
	}
}

func TestProductImagesLifecycle(t *testing.T) {
	s := newTestServer(t, nil)
	id := createProduct(t, s, "Lamp", "5")

	r := s.mutate(t, `mutation($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image, alt: "lit") { `+productImageFields+` } }`,
		map[string]any{"id": id, "image": nil},
		map[string]upload{"variables.image": {name: "one.png", body: pngBytes(t, 300, 300, 1)}})
	if len(r.Errors) > 0 {
		t.Fatalf("addProductImage: %s", r.Raw)
	}
	if dig(r.Data, "addProductImage", "position") != float64(0) || digString(r.Data, "addProductImage", "alt") != "lit" {
		t.Errorf("addProductImage = %v", r.Data)
	}
	first := digString(r.Data, "addProductImage", "id")

	r = s.mutate(t, `mutation($id: ID!, $images: [Upload!]!) { addProductImages(productID: $id, images: $images) { id position } }`,
		map[string]any{"id": id, "images": []any{nil, nil, nil}},
		map[string]upload{
			"variables.images.0": {name: "a.png", body: pngBytes(t, 300, 300, 2)},
			"variables.images.1": {name: "b.png", body: pngBytes(t, 300, 300, 3)},
			"variables.images.2": {name: "c.png", body: pngBytes(t, 300, 300, 4)},
		})
	if len(r.Errors) > 0 {
		t.Fatalf("addProductImages: %s", r.Raw)
	}
	for i := 0; i < 3; i++ {
		if dig(r.Data, "addProductImages", i, "position") != float64(i+1) {
			t.Errorf("addProductImages[%d] = %v", i, dig(r.Data, "addProductImages", i))
		}
	}
	if c := s.counts(t); c.images != 4 || c.files != 4 {
		t.Fatalf("counts = %+v", c)
	}

	// Move the first image last; the others keep their positions.
	data := s.mustQuery(t, `mutation($id: ID!) { updateProductImage(id: $id, position: 10, alt: "moved") { position alt } }`, map[string]any{"id": first})
	if dig(data, "updateProductImage", "position") != float64(10) {
		t.Errorf("updateProductImage = %v", data)
	}
	data = s.mustQuery(t, `query($id: ID!) { product(id: $id) { images { id position } } }`, map[string]any{"id": id})
	var order []string
	for i := 0; i < 4; i++ {
		order = append(order, fmt.Sprint(dig(data, "product", "images", i, "position")))
	}
	if strings.Join(order, ",") != "1,2,3,10" || digString(data, "product", "images", 3, "id") != first {
		t.Errorf("order after move = %v", order)
	}

	// Deleting an image removes its file once committed.
	data = s.mustQuery(t, `mutation($id: ID!) { deleteProductImage(id: $id) }`, map[string]any{"id": first})
	if digString(data, "deleteProductImage") != first {
		t.Errorf("deleteProductImage = %v", data)
	}
	if c := s.counts(t); c.images != 3 || c.files != 3 {
		t.Errorf("after deleteProductImage counts = %+v", c)
	}
	// Deleting the product removes its images and their files.
	s.mustQuery(t, `mutation($id: ID!) { deleteProduct(id: $id) }`, map[string]any{"id": id})
	if c := s.counts(t); c != (counts{}) {
		t.Errorf("after deleteProduct counts = %+v", c)
	}
}

func TestDocumentLifecycle(t *testing.T) {
	s := newTestServer(t, nil)
	pdf := []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
	img := pngBytes(t, 64, 64, 9)
	r := s.mutate(t, `mutation($input: CreateDocumentInput!) { createDocument(input: $input) {
		id title file { path url name contentType sha256 width } image { path contentType width height } } }`,
		map[string]any{"input": map[string]any{"title": "Manual", "file": nil, "image": nil}},
		map[string]upload{
			"variables.input.file":  {name: "manual.pdf", body: pdf},
			"variables.input.image": {name: "cover.png", body: img},
		})
	if len(r.Errors) > 0 {
		t.Fatalf("createDocument: %s", r.Raw)
	}
	d := dig(r.Data, "createDocument")
	if !strings.HasPrefix(digString(d, "file", "path"), "documents/") || !strings.HasSuffix(digString(d, "file", "path"), ".pdf") ||
		digString(d, "file", "contentType") != "application/pdf" || dig(d, "file", "width") != nil {
		t.Errorf("file = %v", dig(d, "file"))
	}
	if !strings.HasPrefix(digString(d, "image", "path"), "images/") || dig(d, "image", "width") != float64(64) {
		t.Errorf("image = %v", dig(d, "image"))
	}
	resp, body := s.get(t, digString(d, "file", "url"))
	if resp.StatusCode != 200 || string(body) != string(pdf) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") ||
		resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("GET pdf: %d %v", resp.StatusCode, resp.Header)
	}
	// Without an image.
	r = s.mutate(t, `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { id image { path } } }`,
		map[string]any{"input": map[string]any{"title": "Notes", "file": nil}},
		map[string]upload{"variables.input.file": {name: "notes.txt", body: []byte("héllo\n")}})
	if len(r.Errors) > 0 || dig(r.Data, "createDocument", "image") != nil {
		t.Fatalf("createDocument txt: %s", r.Raw)
	}
	data := s.mustQuery(t, `{ documents(orderBy: {field: TITLE}) { totalCount edges { node { title file { contentType } } } } }`, nil)
	if dig(data, "documents", "totalCount") != float64(2) || digString(data, "documents", "edges", 0, "node", "title") != "Manual" ||
		digString(data, "documents", "edges", 1, "node", "file", "contentType") != "text/plain; charset=utf-8" {
		t.Errorf("documents = %v", data)
	}
	s.mustQuery(t, `mutation($id: ID!) { deleteDocument(id: $id) }`, map[string]any{"id": digString(d, "id")})
	if c := s.counts(t); c.documents != 1 || c.files != 1 {
		t.Errorf("after deleteDocument counts = %+v", c)
	}
}

func TestStoredFilesAreDurableAndNoTemporaryRemains(t *testing.T) {
	s := newTestServer(t, nil)
	id := createProduct(t, s, "Desk", "100")
	r := s.mutate(t, `mutation($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) { image { path } } }`,
		map[string]any{"id": id, "image": nil},
		map[string]upload{"variables.image": {name: "d.png", body: pngBytes(t, 300, 300, 5)}})
	if len(r.Errors) > 0 {
		t.Fatal(string(r.Raw))
	}
	entries, _ := os.ReadDir(filepath.Join(s.mediaDir, ".tmp"))
	if len(entries) != 0 {
		t.Errorf("temporaries left: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(s.mediaDir, digString(r.Data, "addProductImage", "image", "path"))); err != nil {
		t.Error(err)
	}
	_ = context.Background()
}
