package gqlhttp

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"mediagraph/media"
)

// BenchmarkMultipart runs a multipart request carrying one 1 MB file
// through the transport: checks, operations and map, streaming the part
// into a staged file, binding it to its variable.
func BenchmarkMultipart(b *testing.B) {
	store, err := media.Open(context.Background(), filepath.Join(b.TempDir(), "media"))
	if err != nil {
		b.Fatal(err)
	}
	transports, err := Transports(Config{
		CSRFPrevention: true, MaxRequestBytes: 64 << 20, MaxJSONBytes: 1 << 20, MaxFiles: 10, MaxOperations: 10,
		MaxFileBytes: 20 << 20, Stager: store, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		b.Fatal(err)
	}
	mp := transports[2]
	file := bytes.Repeat([]byte("0123456789abcdef"), 1<<16)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("operations", `{"query":"mutation($f: Upload!) { a(f: $f) }","variables":{"f":null}}`)
	mw.WriteField("map", `{"0":["variables.f"]}`)
	w, _ := mw.CreateFormFile("0", "f.txt")
	w.Write(file)
	mw.Close()
	raw := body.Bytes()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(raw))
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Apollo-Require-Preflight", "1")
		rec := httptest.NewRecorder()
		exec := &uploadCounter{}
		mp.Do(rec, req, exec)
		if rec.Code != 200 || exec.uploads != 1 {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
}
