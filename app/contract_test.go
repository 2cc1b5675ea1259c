package app

import (
	"archive/zip"
	"bytes"
	"fmt"
	"image/gif"
	"image/jpeg"
	"strings"
	"testing"
)

func docxBytes(t *testing.T, withDocument bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("[Content_Types].xml")
	w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`))
	if withDocument {
		w, _ = zw.Create("word/document.xml")
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body/></w:document>`))
	}
	zw.Close()
	return buf.Bytes()
}

// TestUploadRulesByContent: each target accepts what its rule allows, by
// content, and refuses the rest with its code and field, storing nothing.
func TestUploadRulesByContent(t *testing.T) {
	s := newTestServer(t, map[string]string{"MAX_IMAGE_BYTES": "300KiB", "MAX_DOCUMENT_IMAGE_BYTES": "20KiB"})
	id := createProduct(t, s, "P", "1")
	var jpg, gf bytes.Buffer
	jpeg.Encode(&jpg, testImage(320, 300, 99), nil)
	gif.Encode(&gf, testImage(300, 310, 99), nil)
	png := pngBytes(t, 300, 300, 3)
	pdf := []byte("%PDF-1.4\n%%EOF\n")
	addImage := func(name string, body []byte) gqlResponse {
		return s.mutate(t, `mutation($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) { image { path name contentType width height } } }`,
			map[string]any{"id": id, "image": nil}, map[string]upload{"variables.image": {name: name, body: body}})
	}
	createDoc := func(title, name string, body []byte, image []byte) gqlResponse {
		vars := map[string]any{"title": title, "file": nil}
		files := map[string]upload{"variables.input.file": {name: name, body: body}}
		if image != nil {
			vars["image"] = nil
			files["variables.input.image"] = upload{name: "cover.png", body: image}
		}
		return s.mutate(t, `mutation($input: CreateDocumentInput!) { createDocument(input: $input) { file { path contentType } image { path } } }`,
			map[string]any{"input": vars}, files)
	}
	accepted := []struct {
		name        string
		send        func() gqlResponse
		root        string
		contentType string
		ext         string
	}{
		{"JPEG", func() gqlResponse { return addImage("photo.jpeg", jpg.Bytes()) }, "addProductImage", "image/jpeg", ".jpg"},
		{"GIF", func() gqlResponse { return addImage("anim.gif", gf.Bytes()) }, "addProductImage", "image/gif", ".gif"},
		{"PNG named .jpg (content wins)", func() gqlResponse { return addImage("photo.jpg", png) }, "addProductImage", "image/png", ".png"},
		{"DOCX", func() gqlResponse { return createDoc("D", "report.docx", docxBytes(t, true), nil) }, "createDocument", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"},
		{"TXT", func() gqlResponse { return createDoc("D", "notes.TXT", []byte("plain text, ünïcödé\n"), nil) }, "createDocument", "text/plain; charset=utf-8", ".txt"},
		{"PDF with a small image", func() gqlResponse { return createDoc("D", "a.pdf", pdf, pngBytes(t, 40, 40, 1)) }, "createDocument", "application/pdf", ".pdf"},
	}
	for _, tc := range accepted {
		t.Run("accepts "+tc.name, func(t *testing.T) {
			r := tc.send()
			if len(r.Errors) > 0 {
				t.Fatalf("%s", r.Raw)
			}
			f := dig(r.Data, tc.root, "image")
			if tc.root == "createDocument" {
				f = dig(r.Data, tc.root, "file")
			}
			if digString(f, "contentType") != tc.contentType || !strings.HasSuffix(digString(f, "path"), tc.ext) {
				t.Errorf("stored %v", f)
			}
		})
	}
	refused := []struct {
		name  string
		send  func() gqlResponse
		code  string
		field string
	}{
		{"image too small", func() gqlResponse { return addImage("s.png", pngBytes(t, 299, 300, 1)) }, "IMAGE_TOO_SMALL", "image"},
		{"image over MAX_IMAGE_BYTES", func() gqlResponse { return addImage("big.png", append(bytes.Clone(png), make([]byte, 310<<10)...)) }, "FILE_TOO_LARGE", "image"},
		{"text as an image", func() gqlResponse { return addImage("t.png", []byte("hello")) }, "UNSUPPORTED_FILE_TYPE", "image"},
		{"truncated PNG", func() gqlResponse { return addImage("cut.png", png[:len(png)/2]) }, "INVALID_IMAGE", "image"},
		{"empty file", func() gqlResponse { return addImage("empty.png", nil) }, "UNSUPPORTED_FILE_TYPE", "image"},
		{"fake PDF (text)", func() gqlResponse { return createDoc("D", "fake.pdf", []byte("not a pdf"), nil) }, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"PDF named .txt", func() gqlResponse { return createDoc("D", "doc.txt", pdf, nil) }, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"PDF named .exe", func() gqlResponse { return createDoc("D", "doc.exe", pdf, nil) }, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"zip without word/document.xml", func() gqlResponse { return createDoc("D", "x.docx", docxBytes(t, false), nil) }, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"text with NUL", func() gqlResponse { return createDoc("D", "x.txt", []byte("a\x00b"), nil) }, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"invalid UTF-8 text", func() gqlResponse { return createDoc("D", "x.txt", []byte("caf\xe9"), nil) }, "UNSUPPORTED_FILE_TYPE", "input.file"},
		{"document image over its limit", func() gqlResponse {
			return createDoc("D", "a.pdf", pdf, append(pngBytes(t, 300, 300, 9), make([]byte, 30<<10)...))
		}, "FILE_TOO_LARGE", "input.image"},
		{"empty title", func() gqlResponse { return createDoc(" ", "a.pdf", pdf, nil) }, "BAD_USER_INPUT", "input.title"},
		{"title of 101 characters", func() gqlResponse { return createDoc(strings.Repeat("t", 101), "a.pdf", pdf, nil) }, "BAD_USER_INPUT", "input.title"},
	}
	for _, tc := range refused {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			before := s.counts(t)
			wantErrorCode(t, tc.send(), 200, tc.code, tc.field)
			if after := s.counts(t); after != before {
				t.Errorf("counts %+v → %+v", before, after)
			}
		})
	}
}

func TestQueriesContract(t *testing.T) {
	s := newTestServer(t, map[string]string{"MAX_IMAGE_BYTES": "5MiB"})
	var ids []string
	for i, price := range []string{"100", "9.5", "20"} {
		ids = append(ids, createProduct(t, s, fmt.Sprintf("Chair %d", i), price))
	}
	for i := 3; i < 25; i++ {
		createProduct(t, s, fmt.Sprintf("Table %02d", i), "1")
	}
	q := func(query string, vars map[string]any) map[string]any { return s.mustQuery(t, query, vars) }

	t.Run("decimal", func(t *testing.T) {
		data := q(`mutation($input: CreateProductInput!) { createProduct(input: $input) { price } }`, map[string]any{"input": map[string]any{"name": "N", "price": 12.5}})
		if digString(data, "createProduct", "price") != "12.50" {
			t.Errorf("number 12.5 → %v", data)
		}
		data = q(`mutation { createProduct(input: {name: "N", price: 7}) { price } }`, nil)
		if digString(data, "createProduct", "price") != "7.00" {
			t.Errorf("literal 7 → %v", data)
		}
		for _, bad := range []any{"19.999", "-1", "123456789.00", "1e3", ""} {
			r := s.query(t, `mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`, map[string]any{"input": map[string]any{"name": "N", "price": bad}})
			wantErrorCode(t, r, 200, "BAD_USER_INPUT", "input.price")
		}
		data = q(`{ products(first: 3, orderBy: {field: PRICE}, where: {nameHasPrefix: "Chair"}) { edges { node { price } } } }`, nil)
		var got []string
		for i := range 3 {
			got = append(got, digString(data, "products", "edges", i, "node", "price"))
		}
		if strings.Join(got, " ") != "9.50 20.00 100.00" {
			t.Errorf("ordered by price: %v", got)
		}
	})
	t.Run("pagination", func(t *testing.T) {
		r := s.query(t, `{ products(first: 101) { totalCount } }`, nil)
		wantErrorCode(t, r, 200, "BAD_USER_INPUT", "first")
		r = s.query(t, `{ products(last: 101) { totalCount } }`, nil)
		wantErrorCode(t, r, 200, "BAD_USER_INPUT", "last")
		data := q(`{ products { totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }`, nil)
		edges, _ := dig(data, "products", "edges").([]any)
		total := int(dig(data, "products", "totalCount").(float64))
		if len(edges) != 20 || dig(data, "products", "pageInfo", "hasNextPage") != true || total != 27 {
			t.Fatalf("default page: %d edges, %v", len(edges), dig(data, "products", "pageInfo"))
		}
		next := q(`query($after: Cursor) { products(after: $after) { edges { node { id } } pageInfo { hasNextPage } } }`, map[string]any{"after": digString(data, "products", "pageInfo", "endCursor")})
		rest, _ := dig(next, "products", "edges").([]any)
		if len(rest) != total-20 || dig(next, "products", "pageInfo", "hasNextPage") != false {
			t.Errorf("second page: %d edges", len(rest))
		}
		data = q(`{ products(first: 2, where: {nameContainsFold: "CHAIR"}, orderBy: {field: NAME, direction: DESC}) { totalCount edges { node { name } } } }`, nil)
		if dig(data, "products", "totalCount") != float64(3) || digString(data, "products", "edges", 0, "node", "name") != "Chair 2" {
			t.Errorf("where + orderBy: %v", data)
		}
	})
	t.Run("node and lookups", func(t *testing.T) {
		data := q(`query($id: ID!, $ids: [ID!]!) { node(id: $id) { id ... on Product { name } } nodes(ids: $ids) { id } product(id: "999") { id } document(id: "1") { id } none: node(id: "12345") { id } }`,
			map[string]any{"id": ids[0], "ids": []any{ids[1], "777", ids[2]}})
		if digString(data, "node", "name") != "Chair 0" || dig(data, "product") != nil || dig(data, "document") != nil || dig(data, "none") != nil {
			t.Errorf("lookups: %v", data)
		}
		nodes, _ := dig(data, "nodes").([]any)
		if len(nodes) != 3 || nodes[1] != nil || digString(nodes[2], "id") != ids[2] {
			t.Errorf("nodes: %v", nodes)
		}
	})
	t.Run("updates and NOT_FOUND", func(t *testing.T) {
		data := q(`mutation($id: ID!) { updateProduct(id: $id, input: {name: "Renamed", price: "3.1", description: "d"}) { name price description } }`, map[string]any{"id": ids[0]})
		if digString(data, "updateProduct", "price") != "3.10" || digString(data, "updateProduct", "name") != "Renamed" {
			t.Errorf("updateProduct: %v", data)
		}
		data = q(`mutation($id: ID!, $n: String!) { updateProduct(id: $id, input: {name: $n}) { name } }`, map[string]any{"id": ids[0], "n": strings.Repeat("é", 150)})
		if digString(data, "updateProduct", "name") != strings.Repeat("é", 150) {
			t.Errorf("150 accented characters: %v", data)
		}
		r := s.query(t, `mutation($id: ID!, $n: String!) { updateProduct(id: $id, input: {name: $n}) { name } }`, map[string]any{"id": ids[0], "n": strings.Repeat("x", 151)})
		wantErrorCode(t, r, 200, "BAD_USER_INPUT", "input.name")
		for _, m := range []string{
			`mutation { updateProduct(id: "999", input: {name: "x"}) { id } }`,
			`mutation { deleteProduct(id: "999") }`,
			`mutation { deleteDocument(id: "999") }`,
			`mutation { deleteProductImage(id: "999") }`,
			`mutation { updateProductImage(id: "999", alt: "x") { id } }`,
		} {
			wantErrorCode(t, s.query(t, m, nil), 200, "NOT_FOUND", "id")
		}
		r = s.query(t, `mutation { updateProductImage(id: "8589934593", position: -1) { id } }`, nil)
		wantErrorCode(t, r, 200, "BAD_USER_INPUT", "position")
	})
	t.Run("uploadRules", func(t *testing.T) {
		data := q(`{ uploadRules { target contentTypes extensions maxBytes minWidth minHeight maxPixels } }`, nil)
		rules, _ := dig(data, "uploadRules").([]any)
		if len(rules) != 3 || digString(rules[0], "target") != "ProductImage.image" || dig(rules[0], "maxBytes") != float64(5<<20) ||
			dig(rules[0], "minWidth") != float64(300) || dig(rules[0], "maxPixels") != float64(40000000) ||
			!strings.Contains(fmt.Sprint(dig(rules[0], "contentTypes")), "image/webp") ||
			digString(rules[1], "target") != "Document.file" || fmt.Sprint(dig(rules[1], "extensions")) != "[pdf docx txt]" ||
			digString(rules[2], "target") != "Document.image" || dig(rules[2], "maxBytes") != float64(500<<10) {
			t.Errorf("uploadRules: %v", rules)
		}
	})
}

func TestPagesAndHealth(t *testing.T) {
	s := newTestServer(t, nil)
	for _, tc := range []struct{ path, contains string }{
		{"/", "graphiql"},
		{"/altair", "Apollo-Require-Preflight"},
		{"/admin/", "mediagraph · admin"},
		{"/admin/products/4294967297", "mediagraph · admin"}, // a deep link reloads into the admin
		{"/healthz", "ok"},
		{"/readyz", "ready"},
	} {
		resp, body := s.get(t, tc.path)
		if resp.StatusCode != 200 || !strings.Contains(strings.ToLower(string(body)), strings.ToLower(tc.contains)) {
			t.Errorf("GET %s: %d, lacks %q", tc.path, resp.StatusCode, tc.contains)
		}
	}
	if resp, _ := s.get(t, "/nothing"); resp.StatusCode != 404 {
		t.Errorf("GET /nothing: %d", resp.StatusCode)
	}
}
