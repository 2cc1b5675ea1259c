package app

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// Queries and JSON mutations: decimals, pagination, filters, node lookups,
// NOT_FOUND, uploadRules, pages and CORS.

const createProductPrice = `mutation($input: CreateProductInput!) { createProduct(input: $input) { id price } }`

func TestQueriesDecimal(t *testing.T) {
	s := newTestServer(t, nil)
	refused := []struct {
		name  string
		price any
	}{
		{"three places", "19.999"},
		{"negative", "-1"},
		{"negative number", -1},
		{"9 integer digits", "123456789.00"},
		{"9 integer digits, no places", "100000000"},
		{"three places as a number", 1.005},
		{"not a number", "abc"},
		{"exponent", "1e3"},
		{"empty", ""},
	}
	for _, tc := range refused {
		t.Run("variable "+tc.name, func(t *testing.T) {
			before := s.counts(t)
			r := s.query(t, createProductPrice, map[string]any{"input": map[string]any{"name": "P", "price": tc.price}})
			wantErrorCode(t, r, http.StatusOK, "BAD_USER_INPUT", "")
			if f := r.Errors[0].field(); f != "input.price" {
				t.Errorf("extensions.field = %q, want \"input.price\"; body %s", f, r.Raw)
			}
			wantUnchanged(t, s, before)
		})
	}
	// The same refusals inline in the query (argument literals, not variables).
	for _, lit := range []string{`"19.999"`, `"-1"`, `"123456789.00"`, `-1`, `1.005`} {
		t.Run("literal "+lit, func(t *testing.T) {
			before := s.counts(t)
			r := s.query(t, `mutation { createProduct(input: {name: "P", price: `+lit+`}) { id } }`, nil)
			wantErrorCode(t, r, http.StatusOK, "BAD_USER_INPUT", "input.price")
			wantUnchanged(t, s, before)
		})
	}

	accepted := []struct {
		name  string
		price any
		want  string
	}{
		{"JSON number 12.5", 12.5, "12.50"},
		{"JSON integer", 3, "3.00"},
		{"string one place", "19.9", "19.90"},
		{"string two places", "0.05", "0.05"},
		{"8 integer digits", "12345678.99", "12345678.99"},
		{"leading zeros", "007.10", "7.10"},
		{"JSON number 19.99", 19.99, "19.99"},
		{"JSON number 0.07", 0.07, "0.07"},
		{"largest", "99999999.99", "99999999.99"},
		{"zero", "0", "0.00"},
	}
	for _, tc := range accepted {
		t.Run("accepts "+tc.name, func(t *testing.T) {
			r := s.query(t, createProductPrice, map[string]any{"input": map[string]any{"name": "P", "price": tc.price}})
			if len(r.Errors) > 0 {
				t.Fatalf("refused: %s", r.Raw)
			}
			if got := digString(r.Data, "createProduct", "price"); got != tc.want {
				t.Errorf("price = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("inline literal 7", func(t *testing.T) {
		data := s.mustQuery(t, `mutation { createProduct(input: {name: "Lit", price: 7}) { price } }`, nil)
		if got := digString(data, "createProduct", "price"); got != "7.00" {
			t.Errorf("price = %q, want 7.00", got)
		}
	})
	t.Run("inline literal 7.5 and \"7.25\"", func(t *testing.T) {
		data := s.mustQuery(t, `mutation { a: createProduct(input: {name: "A", price: 7.5}) { price } b: createProduct(input: {name: "B", price: "7.25"}) { price } }`, nil)
		if digString(data, "a", "price") != "7.50" || digString(data, "b", "price") != "7.25" {
			t.Errorf("prices = %v", data)
		}
	})
}

func TestQueriesOrderByPriceIsNumeric(t *testing.T) {
	s := newTestServer(t, nil)
	for _, p := range []string{"100", "9.5", "20"} {
		createProduct(t, s, "P"+p, p)
	}
	prices := func(dir string) []string {
		data := s.mustQuery(t, `{ products(orderBy: {field: PRICE, direction: `+dir+`}) { edges { node { price } } } }`, nil)
		var out []string
		for _, e := range dig(data, "products", "edges").([]any) {
			out = append(out, digString(e, "node", "price"))
		}
		return out
	}
	if got := prices("ASC"); !slices.Equal(got, []string{"9.50", "20.00", "100.00"}) {
		t.Errorf("ASC = %v", got)
	}
	if got := prices("DESC"); !slices.Equal(got, []string{"100.00", "20.00", "9.50"}) {
		t.Errorf("DESC = %v", got)
	}
	data := s.mustQuery(t, `{ products(where: {priceGTE: "20"}) { totalCount } }`, nil)
	if dig(data, "products", "totalCount") != float64(2) {
		t.Errorf("priceGTE 20: %v", data)
	}
}

// seedProducts creates n products named "Chair NN" (even i) and "Table NN"
// (odd i), directly through ent.
func seedProducts(t *testing.T, s *testServer, n int) []string {
	t.Helper()
	ctx := context.Background()
	var names []string
	for i := range n {
		kind := "Table"
		if i%2 == 0 {
			kind = "Chair"
		}
		name := fmt.Sprintf("%s %02d", kind, i)
		s.Client.Product.Create().SetName(name).SetPrice(int64(100 * (i + 1))).SaveX(ctx)
		names = append(names, name)
	}
	return names
}

func edgeNames(t *testing.T, data map[string]any) []string {
	t.Helper()
	var out []string
	edges, _ := dig(data, "products", "edges").([]any)
	for _, e := range edges {
		out = append(out, digString(e, "node", "name"))
	}
	return out
}

func TestQueriesPagination(t *testing.T) {
	s := newTestServer(t, nil)
	names := seedProducts(t, s, 25)

	for _, q := range []string{`{ products(first: 101) { totalCount } }`, `{ products(last: 101) { totalCount } }`, `{ products(first: -1) { totalCount } }`, `{ documents(first: 101) { totalCount } }`} {
		r := s.query(t, q, nil)
		wantErrorCode(t, r, http.StatusOK, "BAD_USER_INPUT", "")
	}
	if data := s.mustQuery(t, `{ products(first: 100) { totalCount } }`, nil); dig(data, "products", "totalCount") != float64(25) {
		t.Errorf("first: 100 = %v", data)
	}

	data := s.mustQuery(t, `{ products { totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { name } } } }`, nil)
	if got := edgeNames(t, data); len(got) != 20 {
		t.Errorf("default page holds %d products, want 20", len(got))
	}
	if dig(data, "products", "pageInfo", "hasNextPage") != true || dig(data, "products", "totalCount") != float64(25) {
		t.Errorf("pageInfo/totalCount = %v / %v", dig(data, "products", "pageInfo"), dig(data, "products", "totalCount"))
	}

	// Walk the pages with after.
	var seen []string
	after := any(nil)
	for page := 0; ; page++ {
		if page > 5 {
			t.Fatal("pagination does not end")
		}
		data := s.mustQuery(t, `query($after: Cursor) { products(first: 10, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { name } } } }`, map[string]any{"after": after})
		got := edgeNames(t, data)
		seen = append(seen, got...)
		if dig(data, "products", "totalCount") != float64(25) {
			t.Errorf("page %d totalCount = %v", page, dig(data, "products", "totalCount"))
		}
		if dig(data, "products", "pageInfo", "hasNextPage") != true {
			if len(got) != 5 {
				t.Errorf("last page has %d products, want 5", len(got))
			}
			break
		}
		after = dig(data, "products", "pageInfo", "endCursor")
	}
	sorted := slices.Clone(seen)
	sort.Strings(sorted)
	want := slices.Clone(names)
	sort.Strings(want)
	if !slices.Equal(sorted, want) {
		t.Errorf("pages gave %v, want each product once: %v", seen, want)
	}

	// Filter (case-insensitive) and order.
	data = s.mustQuery(t, `{ products(first: 100, where: {nameContainsFold: "CHA"}, orderBy: {field: NAME, direction: DESC}) { totalCount edges { node { name } } } }`, nil)
	var chairs []string
	for _, n := range names {
		if strings.HasPrefix(n, "Chair") {
			chairs = append(chairs, n)
		}
	}
	sort.Sort(sort.Reverse(sort.StringSlice(chairs)))
	if got := edgeNames(t, data); !slices.Equal(got, chairs) || dig(data, "products", "totalCount") != float64(13) {
		t.Errorf("nameContainsFold CHA, NAME DESC = %v (total %v), want %v", got, dig(data, "products", "totalCount"), chairs)
	}
	data = s.mustQuery(t, `{ products(first: 3, orderBy: {field: NAME}) { totalCount edges { node { name } } } }`, nil)
	if got := edgeNames(t, data); !slices.Equal(got, want[:3]) || dig(data, "products", "totalCount") != float64(25) {
		t.Errorf("NAME ASC first 3 = %v, want %v", got, want[:3])
	}
	data = s.mustQuery(t, `{ products(last: 2, orderBy: {field: NAME}) { edges { node { name } } } }`, nil)
	if got := edgeNames(t, data); !slices.Equal(got, want[23:]) {
		t.Errorf("NAME ASC last 2 = %v, want %v", got, want[23:])
	}
}

func TestQueriesNodes(t *testing.T) {
	s := newTestServer(t, nil)
	ctx := context.Background()
	p := s.Client.Product.Create().SetName("Lamp").SetPrice(500).SaveX(ctx)
	im := s.Client.ProductImage.Create().SetProductID(p.ID).SetPosition(0).SetAlt("lit").
		SetImagePath("products/images/x.png").SetImageName("x.png").SetImageSize(1).
		SetImageContentType("image/png").SetImageSha256("00").SaveX(ctx)
	pid, iid := fmt.Sprint(p.ID), fmt.Sprint(im.ID)
	const fragment = `__typename ... on Product { name price } ... on ProductImage { alt image { url } product { name } }`

	data := s.mustQuery(t, `query($id: ID!) { node(id: $id) { id `+fragment+` } }`, map[string]any{"id": pid})
	if digString(data, "node", "__typename") != "Product" || digString(data, "node", "name") != "Lamp" || digString(data, "node", "price") != "5.00" || digString(data, "node", "id") != pid {
		t.Errorf("node(product) = %v", data)
	}
	data = s.mustQuery(t, `query($id: ID!) { node(id: $id) { id `+fragment+` } }`, map[string]any{"id": iid})
	if digString(data, "node", "__typename") != "ProductImage" || digString(data, "node", "alt") != "lit" ||
		digString(data, "node", "image", "url") != "/media/products/images/x.png" || digString(data, "node", "product", "name") != "Lamp" {
		t.Errorf("node(image) = %v", data)
	}
	for _, unknown := range []string{"999", "4294967295", "999999999999"} {
		r := s.query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": unknown})
		if r.Status != http.StatusOK || len(r.Errors) > 0 || r.Data["node"] != nil {
			t.Errorf("node(%s) = %s, want null and no error", unknown, r.Raw)
		}
	}
	data = s.mustQuery(t, `query($ids: [ID!]!) { nodes(ids: $ids) { id `+fragment+` } }`, map[string]any{"ids": []string{iid, "999", pid}})
	nodes, _ := data["nodes"].([]any)
	if len(nodes) != 3 || digString(nodes[0], "__typename") != "ProductImage" || nodes[1] != nil || digString(nodes[2], "name") != "Lamp" {
		t.Errorf("nodes = %v", data)
	}
	for _, root := range []string{"product", "document"} {
		for _, id := range []string{"999", iid} {
			r := s.query(t, `query($id: ID!) { `+root+`(id: $id) { id } }`, map[string]any{"id": id})
			if r.Status != http.StatusOK || len(r.Errors) > 0 || r.Data[root] != nil {
				t.Errorf("%s(id: %s) = %s, want null and no error", root, id, r.Raw)
			}
		}
	}
	if data := s.mustQuery(t, `query($id: ID!) { product(id: $id) { name } }`, map[string]any{"id": pid}); digString(data, "product", "name") != "Lamp" {
		t.Errorf("product(id) = %v", data)
	}
}

func TestQueriesMutationsByID(t *testing.T) {
	s := newTestServer(t, nil)
	ctx := context.Background()
	id := createProduct(t, s, "Lamp", "5")
	p := s.Client.Product.Query().OnlyX(ctx)
	im := s.Client.ProductImage.Create().SetProductID(p.ID).SetPosition(0).
		SetImagePath("products/images/x.png").SetImageName("x.png").SetImageSize(1).
		SetImageContentType("image/png").SetImageSha256("00").SaveX(ctx)

	created := s.mustQuery(t, `query($id: ID!) { product(id: $id) { createdAt updatedAt } }`, map[string]any{"id": id})
	time.Sleep(5 * time.Millisecond)
	data := s.mustQuery(t, `mutation($id: ID!) { updateProduct(id: $id, input: {name: "Desk lamp", price: "12.3"}) { id name price description createdAt updatedAt } }`, map[string]any{"id": id})
	if digString(data, "updateProduct", "name") != "Desk lamp" || digString(data, "updateProduct", "price") != "12.30" {
		t.Errorf("updateProduct = %v", data)
	}
	c0, _ := time.Parse(time.RFC3339Nano, digString(created, "product", "createdAt"))
	u0, _ := time.Parse(time.RFC3339Nano, digString(created, "product", "updatedAt"))
	c1, _ := time.Parse(time.RFC3339Nano, digString(data, "updateProduct", "createdAt"))
	u1, _ := time.Parse(time.RFC3339Nano, digString(data, "updateProduct", "updatedAt"))
	if c0.IsZero() || !c1.Equal(c0) || !u1.After(u0) {
		t.Errorf("times: created %v → %v, updated %v → %v; want createdAt kept and updatedAt advanced", c0, c1, u0, u1)
	}
	data = s.mustQuery(t, `mutation($id: ID!, $name: String!) { updateProduct(id: $id, input: {name: $name}) { name price } }`, map[string]any{"id": id, "name": strings.Repeat("é", 150)})
	if digString(data, "updateProduct", "name") != strings.Repeat("é", 150) || digString(data, "updateProduct", "price") != "12.30" {
		t.Errorf("150 × é: %v", data)
	}
	data = s.mustQuery(t, `mutation($input: CreateProductInput!) { createProduct(input: $input) { name } }`, map[string]any{"input": map[string]any{"name": strings.Repeat("é", 150), "price": "1"}})
	if digString(data, "createProduct", "name") != strings.Repeat("é", 150) {
		t.Errorf("createProduct 150 × é: %v", data)
	}

	refusals := []struct {
		name, query string
		vars        map[string]any
		code, field string
	}{
		{"updateProduct unknown", `mutation { updateProduct(id: "999", input: {name: "x"}) { id } }`, nil, "NOT_FOUND", "id"},
		{"updateProduct name of 151", `mutation($id: ID!, $n: String!) { updateProduct(id: $id, input: {name: $n}) { id } }`, map[string]any{"id": id, "n": strings.Repeat("n", 151)}, "BAD_USER_INPUT", "input.name"},
		{"updateProduct name of 151 × é", `mutation($id: ID!, $n: String!) { updateProduct(id: $id, input: {name: $n}) { id } }`, map[string]any{"id": id, "n": strings.Repeat("é", 151)}, "BAD_USER_INPUT", "input.name"},
		{"updateProduct bad price", `mutation($id: ID!) { updateProduct(id: $id, input: {price: "1.234"}) { id } }`, map[string]any{"id": id}, "BAD_USER_INPUT", "input.price"},
		{"createProduct name of 151", `mutation($n: String!) { createProduct(input: {name: $n, price: "1"}) { id } }`, map[string]any{"n": strings.Repeat("n", 151)}, "BAD_USER_INPUT", "input.name"},
		{"createProduct empty name", `mutation { createProduct(input: {name: "", price: "1"}) { id } }`, nil, "BAD_USER_INPUT", "input.name"},
		{"deleteProduct unknown", `mutation { deleteProduct(id: "999") }`, nil, "NOT_FOUND", "id"},
		{"deleteDocument unknown", `mutation { deleteDocument(id: "999") }`, nil, "NOT_FOUND", "id"},
		{"deleteProductImage unknown", `mutation { deleteProductImage(id: "999") }`, nil, "NOT_FOUND", "id"},
		{"updateProductImage unknown", `mutation { updateProductImage(id: "999", alt: "x") { id } }`, nil, "NOT_FOUND", "id"},
		{"updateProductImage position -1", `mutation($id: ID!) { updateProductImage(id: $id, position: -1) { id } }`, map[string]any{"id": fmt.Sprint(im.ID)}, "BAD_USER_INPUT", "position"},
		{"deleteProduct with an image's id", `mutation($id: ID!) { deleteProduct(id: $id) }`, map[string]any{"id": fmt.Sprint(im.ID)}, "NOT_FOUND", "id"},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counts(t)
			r := s.query(t, tc.query, tc.vars)
			wantErrorCode(t, r, http.StatusOK, tc.code, tc.field)
			wantUnchanged(t, s, before)
		})
	}
	if got := s.Client.Product.GetX(ctx, p.ID); got.Name != strings.Repeat("é", 150) || got.Price != 1230 {
		t.Errorf("product after refusals = %q %d", got.Name, got.Price)
	}
	if got := s.Client.ProductImage.GetX(ctx, im.ID); got.Position != 0 {
		t.Errorf("image position after refusal = %d", got.Position)
	}
}

func TestQueriesUploadRules(t *testing.T) {
	s := newTestServer(t, map[string]string{"MAX_IMAGE_BYTES": "5MiB"})
	data := s.mustQuery(t, `{ uploadRules { target contentTypes extensions maxBytes minWidth minHeight maxPixels } }`, nil)
	rules := map[string]any{}
	for _, r := range dig(data, "uploadRules").([]any) {
		rules[digString(r, "target")] = r
	}
	if len(rules) != 3 {
		t.Fatalf("uploadRules = %v, want 3 targets", data)
	}
	strs := func(v any) []string {
		var out []string
		for _, x := range v.([]any) {
			out = append(out, x.(string))
		}
		return out
	}
	img := rules["ProductImage.image"]
	if dig(img, "maxBytes") != float64(5242880) || dig(img, "minWidth") != float64(300) || dig(img, "minHeight") != float64(300) || dig(img, "maxPixels") != float64(40000000) {
		t.Errorf("ProductImage.image = %v", img)
	}
	for _, ct := range []string{"image/jpeg", "image/png", "image/gif", "image/webp"} {
		if !slices.Contains(strs(dig(img, "contentTypes")), ct) {
			t.Errorf("ProductImage.image contentTypes %v lack %s", dig(img, "contentTypes"), ct)
		}
	}
	for _, ext := range []string{"jpg", "png", "gif", "webp"} {
		if !slices.Contains(strs(dig(img, "extensions")), ext) {
			t.Errorf("ProductImage.image extensions %v lack %s", dig(img, "extensions"), ext)
		}
	}
	file := rules["Document.file"]
	if got := strs(dig(file, "extensions")); !slices.Equal(got, []string{"pdf", "docx", "txt"}) {
		t.Errorf("Document.file extensions = %v", got)
	}
	if dig(file, "maxBytes") != float64(20<<20) || dig(file, "minWidth") != nil {
		t.Errorf("Document.file = %v", file)
	}
	for _, ct := range []string{"application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"} {
		if !slices.Contains(strs(dig(file, "contentTypes")), ct) {
			t.Errorf("Document.file contentTypes %v lack %s", dig(file, "contentTypes"), ct)
		}
	}
	di := rules["Document.image"]
	if dig(di, "maxBytes") != float64(500<<10) || !slices.Contains(strs(dig(di, "contentTypes")), "image/webp") {
		t.Errorf("Document.image = %v", di)
	}
}

func TestQueriesPages(t *testing.T) {
	s := newTestServer(t, nil)
	for _, tc := range []struct {
		path, contentType, contains string
	}{
		{"/healthz", "text/plain", ""},
		{"/readyz", "text/plain", ""},
		{"/", "text/html", "/query"},
		{"/altair", "text/html", "Apollo-Require-Preflight"},
	} {
		resp, body := s.get(t, tc.path)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d %s", tc.path, resp.StatusCode, body)
			continue
		}
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.contentType) {
			t.Errorf("GET %s: Content-Type %q, want %s", tc.path, resp.Header.Get("Content-Type"), tc.contentType)
		}
		if !strings.Contains(string(body), tc.contains) {
			t.Errorf("GET %s does not mention %q", tc.path, tc.contains)
		}
	}
}

func TestQueriesCORS(t *testing.T) {
	preflight := func(t *testing.T, s *testServer, origin string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodOptions, s.URL+"/query", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "content-type, apollo-require-preflight")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	t.Run("allowed origin", func(t *testing.T) {
		s := newTestServer(t, map[string]string{"CORS_ALLOWED_ORIGINS": "https://app.example"})
		resp := preflight(t, s, "https://app.example")
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
			t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
		}
		allow := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers"))
		for _, h := range []string{"apollo-require-preflight", "content-type", "authorization", "x-apollo-operation-name", "graphql-require-preflight"} {
			if !strings.Contains(allow, h) {
				t.Errorf("Access-Control-Allow-Headers %q lacks %s", allow, h)
			}
		}
		if !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("Access-Control-Allow-Methods = %q", resp.Header.Get("Access-Control-Allow-Methods"))
		}
		// The actual request carries the header too.
		r := s.query(t, `{ products { totalCount } }`, nil, "Origin", "https://app.example")
		if r.Status != http.StatusOK {
			t.Errorf("POST: %d", r.Status)
		}
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/query?query={products{totalCount}}", nil)
		req.Header.Set("Origin", "https://app.example")
		get, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		get.Body.Close()
		if get.Header.Get("Access-Control-Allow-Origin") != "https://app.example" {
			t.Errorf("GET with Origin: Allow-Origin %q", get.Header.Get("Access-Control-Allow-Origin"))
		}

		other := preflight(t, s, "https://evil.example")
		if v := other.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("other origin got Access-Control-Allow-Origin %q", v)
		}
		if v := other.Header.Get("Access-Control-Allow-Headers"); v != "" {
			t.Errorf("other origin got Access-Control-Allow-Headers %q", v)
		}
	})
	t.Run("any origin", func(t *testing.T) {
		s := newTestServer(t, map[string]string{"CORS_ALLOWED_ORIGINS": "*"})
		resp := preflight(t, s, "https://whoever.example")
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "*" ||
			!strings.Contains(strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")), "apollo-require-preflight") {
			t.Errorf("preflight with *: %d %v", resp.StatusCode, resp.Header)
		}
	})
	t.Run("empty setting: no CORS headers", func(t *testing.T) {
		s := newTestServer(t, nil)
		resp := preflight(t, s, "https://app.example")
		for k := range resp.Header {
			if strings.HasPrefix(strings.ToLower(k), "access-control-") {
				t.Errorf("CORS header %s: %q with CORS_ALLOWED_ORIGINS empty", k, resp.Header.Get(k))
			}
		}
		req, _ := http.NewRequest(http.MethodPost, s.URL+"/query", strings.NewReader(`{"query":"{ products { totalCount } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", "https://app.example")
		post, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		post.Body.Close()
		if v := post.Header.Get("Access-Control-Allow-Origin"); v != "" {
			t.Errorf("POST got Access-Control-Allow-Origin %q", v)
		}
	})
}

// TestQueriesMalformedIDs: an ID or a cursor that is not one is the
// client's mistake: BAD_USER_INPUT naming the argument (or, for a lookup,
// null), never an internal error.
func TestQueriesMalformedIDs(t *testing.T) {
	s := newTestServer(t, nil)
	createProduct(t, s, "Lamp", "5")
	tests := []struct {
		name, query string
		vars        map[string]any
		field       string
		nullOK      string // a lookup may answer null here instead
	}{
		{"node literal", `{ node(id: "abc") { id } }`, nil, "id", "node"},
		{"node variable", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": "abc"}, "id", "node"},
		{"product literal", `{ product(id: "abc") { id } }`, nil, "id", "product"},
		{"product 1.5", `{ product(id: "1.5") { id } }`, nil, "id", "product"},
		{"document variable", `query($id: ID!) { document(id: $id) { id } }`, map[string]any{"id": "doc-1"}, "id", "document"},
		{"nodes with one bad id", `{ nodes(ids: ["1", "x"]) { id } }`, nil, "ids.1", ""},
		{"products after garbage", `{ products(after: "garbage") { totalCount } }`, nil, "after", ""},
		{"documents before garbage", `{ documents(before: "garbage", last: 2) { totalCount } }`, nil, "before", ""},
		{"deleteProduct", `mutation { deleteProduct(id: "abc") }`, nil, "id", ""},
		{"updateProduct", `mutation { updateProduct(id: "abc", input: {name: "x"}) { id } }`, nil, "id", ""},
		{"updateProductImage", `mutation($id: ID!) { updateProductImage(id: $id, alt: "x") { id } }`, map[string]any{"id": "x"}, "id", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counts(t)
			r := s.query(t, tc.query, tc.vars)
			defer wantUnchanged(t, s, before)
			if tc.nullOK != "" && len(r.Errors) == 0 && r.Status == http.StatusOK && r.Data[tc.nullOK] == nil {
				return
			}
			if len(r.Errors) == 0 {
				t.Fatalf("no error: %s", r.Raw)
			}
			if r.Errors[0].code() != "BAD_USER_INPUT" || r.Errors[0].field() != tc.field {
				t.Errorf("code %q field %q, want BAD_USER_INPUT on %q (a malformed id is the client's mistake, not an internal error); body %s",
					r.Errors[0].code(), r.Errors[0].field(), tc.field, r.Raw)
			}
		})
	}
}
