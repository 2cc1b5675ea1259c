package app

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestQueryLimits(t *testing.T) {
	s := newTestServer(t, map[string]string{"MAX_QUERY_DEPTH": "6", "MAX_QUERY_COMPLEXITY": "300", "MAX_QUERY_ALIASES": "3"})
	createProduct(t, s, "P", "1")
	aliased := func(n int) string {
		var b strings.Builder
		b.WriteString("{")
		for i := range n {
			fmt.Fprintf(&b, " a%d: uploadRules { target }", i)
		}
		b.WriteString(" }")
		return b.String()
	}
	tests := []struct {
		name, query, code string
	}{
		{"shallow", `{ products(first: 5) { edges { node { images { id } } } } }`, ""},
		{"too deep", `{ products(first: 1) { edges { node { images { product { images { product { id } } } } } } } }`, "QUERY_TOO_DEEP"},
		{"too deep through a fragment", `{ products(first: 1) { edges { node { ...F } } } } fragment F on Product { images { product { images { product { id } } } } }`, "QUERY_TOO_DEEP"},
		{"a small page of a big selection", `{ products(first: 2) { edges { node { id name description price createdAt updatedAt images { id alt position image { url path size } } } } } }`, ""},
		{"a big page of the same", `{ products(first: 100) { edges { node { id name description price createdAt updatedAt images { id alt position image { url path size } } } } } }`, "QUERY_TOO_COMPLEX"},
		{"aliases within the limit", aliased(3), ""},
		{"too many aliases", aliased(4), "QUERY_TOO_COMPLEX"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.query(t, tc.query, nil)
			if tc.code == "" {
				if r.Status != 200 || len(r.Errors) > 0 {
					t.Fatalf("refused: %s", r.Raw)
				}
				return
			}
			wantErrorCode(t, r, 200, tc.code, "")
			if r.Data != nil {
				t.Errorf("a refused operation ran: %s", r.Raw)
			}
		})
	}
}

func TestIntrospectionSwitch(t *testing.T) {
	const q = `{ __schema { queryType { name } } }`
	on := newTestServer(t, nil)
	if r := on.query(t, q, nil); len(r.Errors) > 0 || digString(r.Data, "__schema", "queryType", "name") != "Query" {
		t.Errorf("introspection on: %s", r.Raw)
	}
	off := newTestServer(t, map[string]string{"INTROSPECTION": "false"})
	if r := off.query(t, q, nil); len(r.Errors) == 0 || r.Data["__schema"] != nil {
		t.Errorf("introspection off: %s", r.Raw)
	}
	// __typename stays available to clients (Apollo adds it).
	if r := off.query(t, `{ products { __typename } }`, nil); len(r.Errors) > 0 {
		t.Errorf("__typename with introspection off: %s", r.Raw)
	}
}

func TestTooManyOperations(t *testing.T) {
	s := newTestServer(t, map[string]string{"MAX_OPERATIONS": "2"})
	id := createProduct(t, s, "P", "1")
	op := map[string]any{"query": addImage, "variables": map[string]any{"id": id, "image": nil}}
	before := s.counts(t)
	body, ct := multipartBody(t, []any{op, op, op}, map[string][]string{"0": {"0.variables.image", "1.variables.image", "2.variables.image"}},
		upload{field: "0", name: "a.png", body: pngBytes(t, 300, 300, 1)})
	r := s.postMultipart(t, body, ct)
	wantErrorCode(t, r, http.StatusBadRequest, "TOO_MANY_OPERATIONS", "")
	if after := s.counts(t); after != before {
		t.Errorf("counts %+v → %+v", before, after)
	}
}
