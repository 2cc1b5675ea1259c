package gqlhttp

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"mediagraph/media"
)

// uploadCounter is an executor that counts the Uploads the transport bound
// into the variables and checks each can be read.
type uploadCounter struct{ uploads int }

func (e *uploadCounter) CreateOperationContext(_ context.Context, p *graphql.RawParams) (*graphql.OperationContext, gqlerror.List) {
	return &graphql.OperationContext{RawQuery: p.Query, Variables: p.Variables}, nil
}

func (e *uploadCounter) DispatchOperation(ctx context.Context, rc *graphql.OperationContext) (graphql.ResponseHandler, context.Context) {
	var walk func(v any) error
	walk = func(v any) error {
		switch v := v.(type) {
		case graphql.Upload:
			e.uploads++
			_, err := io.Copy(io.Discard, v.File)
			return err
		case map[string]any:
			for _, x := range v {
				if err := walk(x); err != nil {
					return err
				}
			}
		case []any:
			for _, x := range v {
				if err := walk(x); err != nil {
					return err
				}
			}
		}
		return nil
	}
	err := walk(rc.Variables)
	return func(context.Context) *graphql.Response {
		if err != nil {
			return &graphql.Response{Errors: gqlerror.List{gqlerror.Errorf("reading upload: %v", err)}}
		}
		return &graphql.Response{Data: []byte(`{}`)}
	}, ctx
}

func (e *uploadCounter) DispatchError(_ context.Context, list gqlerror.List) *graphql.Response {
	return &graphql.Response{Errors: list}
}

// FuzzMultipart sends arbitrary operations, map and file parts through the
// multipart transport: it must answer with one of its statuses, bind no
// more files than the map names, and leave no temporary behind.
func FuzzMultipart(f *testing.F) {
	f.Add(`{"query":"mutation($f: Upload!){a(f:$f)}","variables":{"f":null}}`, `{"0":["variables.f"]}`, "0", []byte("data"), "1", []byte("x"))
	f.Add(`[{"query":"q","variables":{"f":null}},{"query":"q","variables":{"g":[null,null]}}]`, `{"0":["0.variables.f","1.variables.g.1"],"1":["1.variables.g.0"]}`, "0", []byte("a"), "1", []byte("b"))
	f.Add(`{"query":"q","variables":{"f":{"nested":[null]}}}`, `{"a":["variables.f.nested.0"]}`, "a", []byte("z"), "b", []byte(""))
	f.Add(`{"query":"q"}`, `{"0":["variables"]}`, "0", []byte{}, "0", []byte{})
	f.Add(`{nope`, `[]`, "", []byte{}, "", []byte{})
	f.Add(`{"query":"q","variables":{"f":null}}`, `{"0":["variables.f.0.x"]}`, "0", []byte("1"), "2", []byte("2"))

	root := filepath.Join(f.TempDir(), "media")
	store, err := media.Open(context.Background(), root)
	if err != nil {
		f.Fatal(err)
	}
	transports, err := Transports(Config{
		CSRFPrevention: true, MaxRequestBytes: 1 << 20, MaxJSONBytes: 64 << 10, MaxFiles: 4, MaxOperations: 4,
		MaxFileBytes: 64 << 10, Stager: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		f.Fatal(err)
	}
	mp := transports[2]
	f.Fuzz(func(t *testing.T, operations, fileMap, name1 string, file1 []byte, name2 string, file2 []byte) {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("operations", operations)
		mw.WriteField("map", fileMap)
		for _, part := range []struct {
			name string
			data []byte
		}{{name1, file1}, {name2, file2}} {
			w, err := mw.CreateFormFile(part.name, "f.bin")
			if err != nil {
				return
			}
			w.Write(part.data)
		}
		mw.Close()
		req := httptest.NewRequest(http.MethodPost, "/query", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Apollo-Require-Preflight", "1")
		if !mp.Supports(req) {
			t.Fatal("multipart request not supported")
		}
		rec := httptest.NewRecorder()
		exec := &uploadCounter{}
		mp.Do(rec, req, exec)
		switch rec.Code {
		case 200, 400, 413:
		default:
			t.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		if rec.Code == 200 && exec.uploads == 0 && bytes.Contains(rec.Body.Bytes(), []byte("reading upload")) {
			t.Fatalf("unreadable upload: %s", rec.Body)
		}
		if entries, _ := os.ReadDir(filepath.Join(root, ".tmp")); len(entries) != 0 {
			t.Fatalf("%d temporaries left after the request", len(entries))
		}
	})
}
