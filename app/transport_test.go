package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mediagraph/graph"
	"mediagraph/media"
)

const addImage = `mutation($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) { id } }`

// TestMultipartRefusals sends malformed or refused multipart requests and
// checks the status, the code, and that no row and no file was added.
func TestMultipartRefusals(t *testing.T) {
	s := newTestServer(t, map[string]string{"API_TOKENS": "secret", "MAX_FILES": "2"})
	auth := []string{"Authorization", "Bearer secret"}
	id := digString(s.queryAuth(t, `mutation { createProduct(input: {name: "P", price: "1"}) { id } }`), "createProduct", "id")
	img := pngBytes(t, 300, 300, 1)
	ops := map[string]any{"query": addImage, "variables": map[string]any{"id": id, "image": nil}}
	okMap := map[string][]string{"0": {"variables.image"}}
	part := upload{field: "0", name: "a.png", body: img}

	raw := func(body string) (*bytes.Buffer, string) {
		return bytes.NewBufferString(strings.ReplaceAll(body, "\n", "\r\n")), "multipart/form-data; boundary=XX"
	}
	tests := []struct {
		name   string
		body   func() (*bytes.Buffer, string)
		header []string
		status int
		code   string
	}{
		{"no token", func() (*bytes.Buffer, string) { return multipartBody(t, ops, okMap, part) }, nil, 401, "UNAUTHENTICATED"},
		{"wrong token", func() (*bytes.Buffer, string) { return multipartBody(t, ops, okMap, part) }, []string{"Authorization", "Bearer nope"}, 401, "UNAUTHENTICATED"},
		{"no preflight header", func() (*bytes.Buffer, string) { return multipartBody(t, ops, okMap, part) }, append([]string{"Apollo-Require-Preflight", ""}, auth...), 400, "CSRF_BLOCKED"},
		{"operations not JSON", func() (*bytes.Buffer, string) {
			return raw("--XX\nContent-Disposition: form-data; name=\"operations\"\n\n{nope\n--XX--\n")
		}, auth, 400, "BAD_REQUEST"},
		{"missing map", func() (*bytes.Buffer, string) {
			return raw("--XX\nContent-Disposition: form-data; name=\"operations\"\n\n{\"query\":\"{__typename}\"}\n--XX--\n")
		}, auth, 400, "BAD_REQUEST"},
		{"map before operations", func() (*bytes.Buffer, string) {
			return raw("--XX\nContent-Disposition: form-data; name=\"map\"\n\n{}\n--XX--\n")
		}, auth, 400, "BAD_REQUEST"},
		{"map path names no variable", func() (*bytes.Buffer, string) {
			return multipartBody(t, ops, map[string][]string{"0": {"variables.nothing"}}, part)
		}, auth, 400, "BAD_REQUEST"},
		{"map path outside variables", func() (*bytes.Buffer, string) {
			return multipartBody(t, ops, map[string][]string{"0": {"query"}}, part)
		}, auth, 400, "BAD_REQUEST"},
		{"map path at a non-null value", func() (*bytes.Buffer, string) {
			return multipartBody(t, ops, map[string][]string{"0": {"variables.id"}}, part)
		}, auth, 400, "BAD_REQUEST"},
		{"mapped part missing", func() (*bytes.Buffer, string) { return multipartBody(t, ops, okMap) }, auth, 400, "BAD_REQUEST"},
		{"unmapped file part", func() (*bytes.Buffer, string) {
			return multipartBody(t, ops, okMap, part, upload{field: "9", name: "x.png", body: img})
		}, auth, 400, "BAD_REQUEST"},
		{"too many files", func() (*bytes.Buffer, string) {
			return multipartBody(t, ops, map[string][]string{"0": {"variables.image"}, "1": {"variables.image"}, "2": {"variables.image"}}, part)
		}, auth, 413, "REQUEST_TOO_LARGE"},
		{"not multipart at all", func() (*bytes.Buffer, string) { return bytes.NewBufferString("x"), "multipart/form-data" }, auth, 400, "BAD_REQUEST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.counts(t)
			body, ct := tc.body()
			r := s.postMultipart(t, body, ct, tc.header...)
			wantErrorCode(t, r, tc.status, tc.code, "")
			if after := s.counts(t); after != before {
				t.Errorf("counts changed: %+v → %+v", before, after)
			}
		})
	}
	// The same request with the token passes.
	body, ct := multipartBody(t, ops, okMap, part)
	if r := s.postMultipart(t, body, ct, auth...); len(r.Errors) > 0 {
		t.Fatalf("authorized upload: %s", r.Raw)
	}
}

func (s *testServer) queryAuth(t *testing.T, query string) map[string]any {
	t.Helper()
	r := s.query(t, query, nil, "Authorization", "Bearer secret")
	if len(r.Errors) > 0 {
		t.Fatalf("%s", r.Raw)
	}
	return r.Data
}

func TestJSONMutationNeedsToken(t *testing.T) {
	s := newTestServer(t, map[string]string{"API_TOKENS": "a,secret"})
	r := s.query(t, `mutation { createProduct(input: {name: "P", price: "1"}) { id } }`, nil)
	wantErrorCode(t, r, 401, "UNAUTHENTICATED", "")
	if c := s.counts(t); c.products != 0 {
		t.Errorf("product created without token")
	}
	// Queries stay open.
	r = s.query(t, `{ products { totalCount } }`, nil)
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Errorf("query without token: %s", r.Raw)
	}
	s.queryAuth(t, `mutation { createProduct(input: {name: "P", price: "1"}) { id } }`)
}

func TestMutationOverGETIsRefused(t *testing.T) {
	s := newTestServer(t, nil)
	resp, body := s.get(t, `/query?query=`+strings.ReplaceAll(`mutation{deleteProduct(id:"1")}`, " ", "%20"))
	if resp.StatusCode != http.StatusMethodNotAllowed || !strings.Contains(string(body), "METHOD_NOT_ALLOWED") {
		t.Errorf("GET mutation: %d %s", resp.StatusCode, body)
	}
	resp, body = s.get(t, `/query?query={products{totalCount}}`)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"totalCount":0`) {
		t.Errorf("GET query: %d %s", resp.StatusCode, body)
	}
}

func TestBatchAndSharedPart(t *testing.T) {
	s := newTestServer(t, nil)
	id := createProduct(t, s, "P", "1")
	img := pngBytes(t, 300, 300, 1)
	small := pngBytes(t, 10, 10, 1)
	ops := []any{
		map[string]any{"query": addImage, "variables": map[string]any{"id": id, "image": nil}},
		map[string]any{"query": addImage, "variables": map[string]any{"id": id, "image": nil}},
		map[string]any{"query": addImage, "variables": map[string]any{"id": id, "image": nil}},
	}
	// Part 0 feeds operations 0 and 1; part 1 (too small) fails operation 2 alone.
	body, ct := multipartBody(t, ops, map[string][]string{"0": {"0.variables.image", "1.variables.image"}, "1": {"2.variables.image"}},
		upload{field: "0", name: "a.png", body: img}, upload{field: "1", name: "s.png", body: small})
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/query", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Apollo-Require-Preflight", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	text := string(raw)
	if resp.StatusCode != 200 || !strings.HasPrefix(text, "[") || strings.Count(text, `"addProductImage":{"id"`) != 2 || !strings.Contains(text, "IMAGE_TOO_SMALL") {
		t.Fatalf("batch: %d %s", resp.StatusCode, raw)
	}
	if c := s.counts(t); c.images != 2 || c.files != 2 {
		t.Errorf("counts = %+v", c)
	}
}

// TestOversizeBody: a declared Content-Length over the limit is refused
// before the body is sent; a chunked body is cut off at the limit.
func TestOversizeBody(t *testing.T) {
	s := newTestServer(t, map[string]string{"MAX_REQUEST_BYTES": "1MiB", "MAX_IMAGE_BYTES": "512KiB", "MAX_DOCUMENT_BYTES": "512KiB", "MAX_DOCUMENT_IMAGE_BYTES": "100KiB"})
	id := createProduct(t, s, "P", "1")
	ops := map[string]any{"query": addImage, "variables": map[string]any{"id": id, "image": nil}}

	t.Run("declared length, answered without reading the body", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XX\r\nApollo-Require-Preflight: 1\r\nContent-Length: %d\r\n\r\n", 50<<20)
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer before the body was sent: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 413 || !strings.Contains(string(b), "REQUEST_TOO_LARGE") || !resp.Close {
			t.Errorf("got %d close=%v %s", resp.StatusCode, resp.Close, b)
		}
	})
	t.Run("chunked", func(t *testing.T) {
		body, ct := multipartBody(t, ops, map[string][]string{"0": {"variables.image"}}, upload{field: "0", name: "big.png", body: bytes.Repeat([]byte("x"), 2<<20)})
		r := s.postMultipart(t, io.MultiReader(body), ct) // a reader of unknown length: sent chunked
		wantErrorCode(t, r, 413, "REQUEST_TOO_LARGE", "")
		if c := s.counts(t); c.images != 0 || c.files != 0 {
			t.Errorf("counts = %+v", c)
		}
	})
	t.Run("one file over its rule", func(t *testing.T) {
		body, ct := multipartBody(t, ops, map[string][]string{"0": {"variables.image"}}, upload{field: "0", name: "big.png", body: bytes.Repeat([]byte("x"), 600<<10)})
		r := s.postMultipart(t, body, ct)
		wantErrorCode(t, r, 200, "FILE_TOO_LARGE", "image")
		if c := s.counts(t); c.images != 0 || c.files != 0 {
			t.Errorf("counts = %+v", c)
		}
	})
}

// TestJSONPost: GraphQL over a JSON POST, as a client sees each kind of
// answer: a plain result with its length and nothing else, request errors
// without "data", malformed and oversize bodies refused with their codes,
// and a stalled body dropped with 408. None of them adds a row.
func TestJSONPost(t *testing.T) {
	s := newTestServer(t, map[string]string{"MAX_JSON_BYTES": "4KiB", "BODY_READ_TIMEOUT": "300ms"})
	createProduct(t, s, "Chair", "19.90")
	post := func(t *testing.T, body io.Reader, header ...string) (*http.Response, []byte) {
		t.Helper()
		resp := s.postJSON(t, body, header...)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("reading the answer: %v", err)
		}
		return resp, b
	}

	t.Run("a result is its data, with its length", func(t *testing.T) {
		resp, b := post(t, strings.NewReader(`{"query":"{ products(first: 5) { edges { node { name price } } } }"}`))
		const want = `{"data":{"products":{"edges":[{"node":{"name":"Chair","price":"19.90"}}]}}}`
		if resp.StatusCode != 200 || string(b) != want {
			t.Errorf("got %d %s, want 200 %s", resp.StatusCode, b, want)
		}
		if resp.ContentLength != int64(len(want)) || len(resp.TransferEncoding) > 0 {
			t.Errorf("Content-Length %d, Transfer-Encoding %v: want %d, not chunked", resp.ContentLength, resp.TransferEncoding, len(want))
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
	})
	t.Run("a large result is sent with its length, not chunked", func(t *testing.T) {
		resp, b := post(t, strings.NewReader(`{"query":"{ __schema { types { name description fields { name description args { name } } } } }"}`))
		if resp.StatusCode != 200 || len(b) < 5000 || !json.Valid(b) {
			t.Fatalf("got %d, %d bytes, valid JSON %v", resp.StatusCode, len(b), json.Valid(b))
		}
		if resp.ContentLength != int64(len(b)) || len(resp.TransferEncoding) > 0 {
			t.Errorf("Content-Length %d, Transfer-Encoding %v: want %d, not chunked", resp.ContentLength, resp.TransferEncoding, len(b))
		}
	})
	t.Run("a result with errors keeps its data", func(t *testing.T) {
		_, b := post(t, strings.NewReader(`{"query":"mutation { updateProduct(id: \"999\", input: {name: \"X\"}) { id } }"}`))
		var body map[string]json.RawMessage
		if err := json.Unmarshal(b, &body); err != nil || body["errors"] == nil || string(body["data"]) != "null" {
			t.Errorf("got %s, want errors and data null", b)
		}
	})
	t.Run("request errors have no data", func(t *testing.T) {
		for _, tc := range []struct {
			accept string
			status int
			ctype  string
		}{
			{"", 200, "application/json"},
			{"application/json", 200, "application/json"},
			{"application/graphql-response+json", 400, "application/graphql-response+json"},
		} {
			resp, b := post(t, strings.NewReader(`{"query":"{ nope }"}`), "Accept", tc.accept)
			var body map[string]json.RawMessage
			if err := json.Unmarshal(b, &body); err != nil || resp.StatusCode != tc.status || body["errors"] == nil {
				t.Errorf("Accept %q: got %d %s, want %d with errors", tc.accept, resp.StatusCode, b, tc.status)
			}
			if _, ok := body["data"]; ok {
				t.Errorf("Accept %q: a request error carries data: %s", tc.accept, b)
			}
			if ct := resp.Header.Get("Content-Type"); ct != tc.ctype {
				t.Errorf("Accept %q: Content-Type %q, want %q", tc.accept, ct, tc.ctype)
			}
		}
	})
	t.Run("refusals", func(t *testing.T) {
		big := `{"query":"{ products { totalCount } }","variables":{"pad":"` + strings.Repeat("x", 5000) + `"}}`
		for _, tc := range []struct {
			name   string
			body   io.Reader
			status int
			code   string
		}{
			{"not JSON", strings.NewReader(`{"query": "{ products { totalCount } }"`), 400, "BAD_REQUEST"},
			{"trailing data", strings.NewReader(`{"query":"mutation { createProduct(input: {name: \"P\", price: \"1\"}) { id } }"} {}`), 400, "BAD_REQUEST"},
			{"query not a string", strings.NewReader(`{"query": 5}`), 400, "BAD_REQUEST"},
			{"declared length over MAX_JSON_BYTES", strings.NewReader(big), 413, "REQUEST_TOO_LARGE"},
			{"chunked over MAX_JSON_BYTES", io.MultiReader(strings.NewReader(big)), 413, "REQUEST_TOO_LARGE"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, b := post(t, tc.body)
				var body struct {
					Errors []gqlError
					Data   *json.RawMessage
				}
				if err := json.Unmarshal(b, &body); err != nil || resp.StatusCode != tc.status ||
					len(body.Errors) != 1 || body.Errors[0].code() != tc.code || body.Data != nil {
					t.Errorf("got %d %s, want %d %s", resp.StatusCode, b, tc.status, tc.code)
				}
			})
		}
	})
	t.Run("stalled body", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"query\":")
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("no answer to a stalled body: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 408 || !strings.Contains(string(b), "REQUEST_TIMEOUT") {
			t.Errorf("got %d %s", resp.StatusCode, b)
		}
	})
	if c := s.counts(t); c.products != 1 {
		t.Errorf("products = %d, want 1 (no refused request may add one)", c.products)
	}
}

// countingStager counts the files staged through the store.
type countingStager struct {
	graph.Storage
	staged atomic.Int64
}

func (c *countingStager) Stage(ctx context.Context, r io.Reader, name string, limit int64) (*media.Staged, error) {
	c.staged.Add(1)
	return c.Storage.Stage(ctx, r, name, limit)
}

// TestMultipartUploadIsStagedOnce: the multipart transport stages each
// file part as it streams, and the resolver stores that staged file (the
// media.StagedFile hand-off) rather than staging the bytes again.
func TestMultipartUploadIsStagedOnce(t *testing.T) {
	counter := &countingStager{}
	s := newTestServer(t, nil, WithStorageWrapper(func(inner graph.Storage) graph.Storage {
		counter.Storage = inner
		return counter
	}))
	id := createProduct(t, s, "P", "1")
	r := s.mutate(t, `mutation($id: ID!, $images: [Upload!]!) { addProductImages(productID: $id, images: $images) { id } }`,
		map[string]any{"id": id, "images": []any{nil, nil}},
		map[string]upload{
			"variables.images.0": {name: "a.png", body: pngBytes(t, 300, 300, 1)},
			"variables.images.1": {name: "b.png", body: pngBytes(t, 300, 300, 2)},
		})
	if len(r.Errors) > 0 {
		t.Fatalf("upload: %s", r.Raw)
	}
	if n := counter.staged.Load(); n != 2 {
		t.Errorf("two file parts were staged %d times, want 2 (once each)", n)
	}
	if c := s.counts(t); c.images != 2 || c.files != 2 {
		t.Errorf("counts %+v", c)
	}
}
