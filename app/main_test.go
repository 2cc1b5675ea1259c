package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"io/fs"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mediagraph/media/mediatest"
)

// The helpers the server's tests share, all in this file: a real server
// in the test process (newTestServer) or as the built binary
// (startProcess), requests (query, mutate, multipartBody), what the
// database and the media root hold (counts, storedFiles), fixtures
// (testImage, pngBytes, orphanKey) and /metrics (metricValue).

// testServer is a real mediagraph (SQLite file + local media directory in a
// temporary directory) behind a real HTTP server.
type testServer struct {
	*Server
	URL      string
	mediaDir string
	http     *httptest.Server
}

// newTestServer starts a server; env overrides settings as the environment
// would.
func newTestServer(t *testing.T, env map[string]string, opts ...Option) *testServer {
	t.Helper()
	dir := t.TempDir()
	storageURL, mediaDir := testStorage(t, dir)
	base := map[string]string{
		"DATABASE_URL": testDatabaseURL(t, dir),
		"STORAGE_URL":  storageURL,
		// Renditions off unless a test turns them on: they are made in
		// the background, and the tests that count stored files count
		// originals (renditions_test.go tests them).
		"RENDITIONS": "none",
	}
	for k, v := range env {
		base[k] = v
	}
	cfg, err := LoadConfig(nil, func(k string) string { return base[k] })
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	srv, err := BuildServer(context.Background(), cfg, log, opts...)
	if err != nil {
		t.Fatalf("BuildServer: %v", err)
	}
	hs := httptest.NewUnstartedServer(nil)
	hs.Config = srv.HTTPServer(context.Background())
	hs.Listener = srv.Listener(hs.Listener)
	hs.Start()
	t.Cleanup(func() {
		srv.linger.stop() // as a shutdown does: Close waits for active connections
		hs.Close()
		srv.Close()
	})
	return &testServer{Server: srv, URL: hs.URL, mediaDir: mediaDir, http: hs}
}

func TestMain(m *testing.M) {
	code := m.Run()
	mediatest.Stop()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// testStorage returns a fresh storage for one test and the directory where
// its files appear: a media directory in dir, or, with
// MEDIAGRAPH_TEST_STORAGE=s3, a new bucket on the test S3 server
// (versitygw, whose posix backend keeps a bucket's objects as files).
func testStorage(t *testing.T, dir string) (storageURL, filesDir string) {
	t.Helper()
	switch backend := os.Getenv("MEDIAGRAPH_TEST_STORAGE"); backend {
	case "", "disk":
		return filepath.Join(dir, "media"), filepath.Join(dir, "media")
	case "s3":
		return mediatest.Bucket(t)
	default:
		t.Fatalf("MEDIAGRAPH_TEST_STORAGE=%q: want disk or s3", backend)
		return "", ""
	}
}

// testDatabaseURL returns a fresh, empty database for one test: a SQLite
// file in dir, or, with MEDIAGRAPH_TEST_DATABASE=postgres, a new PostgreSQL
// database (dropped at the end) on the server of MEDIAGRAPH_TEST_POSTGRES_URL
// (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable).
func testDatabaseURL(t *testing.T, dir string) string {
	t.Helper()
	switch backend := os.Getenv("MEDIAGRAPH_TEST_DATABASE"); backend {
	case "", "sqlite":
		return "sqlite:" + filepath.Join(dir, "mediagraph.db")
	case "postgres":
		admin := os.Getenv("MEDIAGRAPH_TEST_POSTGRES_URL")
		if admin == "" {
			admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
		}
		db, err := sql.Open("pgx", admin)
		if err != nil {
			t.Fatal(err)
		}
		name := fmt.Sprintf("mediagraph_test_%d_%d", os.Getpid(), testDBCounter.Add(1))
		if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
			db.Close()
			t.Fatalf("creating test database: %v", err)
		}
		t.Cleanup(func() {
			defer db.Close()
			if _, err := db.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
				t.Errorf("dropping test database: %v", err)
			}
		})
		u, err := url.Parse(admin)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/" + name
		return u.String()
	default:
		t.Fatalf("MEDIAGRAPH_TEST_DATABASE=%q: want sqlite or postgres", backend)
		return ""
	}
}

var testDBCounter atomic.Int64

// gqlResponse is a GraphQL response as a client reads it.
type gqlResponse struct {
	Status int
	Data   map[string]any
	Errors []gqlError
	Raw    []byte
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (e gqlError) code() string  { s, _ := e.Extensions["code"].(string); return s }
func (e gqlError) field() string { s, _ := e.Extensions["field"].(string); return s }

func decodeResponse(t *testing.T, resp *http.Response) gqlResponse {
	t.Helper()
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading response: %v", err)
	}
	out := gqlResponse{Status: resp.StatusCode, Raw: raw}
	var body struct {
		Data   map[string]any `json:"data"`
		Errors []gqlError     `json:"errors"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("response is not JSON (status %d): %s", resp.StatusCode, raw)
	}
	out.Data, out.Errors = body.Data, body.Errors
	return out
}

// query posts a JSON GraphQL request.
func (s *testServer) query(t *testing.T, query string, vars map[string]any, header ...string) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return decodeResponse(t, s.postJSON(t, bytes.NewReader(body), header...))
}

// postJSON posts body to /query as application/json, with header's
// name-value pairs.
func (s *testServer) postJSON(t *testing.T, body io.Reader, header ...string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/query", body)
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /query: %v", err)
	}
	return resp
}

// mustQuery is query that fails the test on any GraphQL error.
func (s *testServer) mustQuery(t *testing.T, query string, vars map[string]any) map[string]any {
	t.Helper()
	r := s.query(t, query, vars)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("query failed (status %d): %s", r.Status, r.Raw)
	}
	return r.Data
}

// upload is one file part.
type upload struct {
	field, name string // form field and file name
	body        []byte
}

// multipartBody builds a GraphQL multipart request body.
func multipartBody(t testing.TB, operations any, fileMap map[string][]string, files ...upload) (*bytes.Buffer, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	ops, _ := json.Marshal(operations)
	mw.WriteField("operations", string(ops))
	m, _ := json.Marshal(fileMap)
	mw.WriteField("map", string(m))
	for _, f := range files {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f.field, f.name))
		h.Set("Content-Type", "application/octet-stream")
		w, err := mw.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(f.body)
	}
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// postMultipart sends a multipart body with the preflight header (unless
// header overrides it).
func (s *testServer) postMultipart(t *testing.T, body io.Reader, contentType string, header ...string) gqlResponse {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/query", body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Apollo-Require-Preflight", "true")
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /query (multipart): %v", err)
	}
	return decodeResponse(t, resp)
}

// mutate sends one operation with files. Each file is mapped to the
// variable path given in its field ("variables.image"); parts are numbered.
func (s *testServer) mutate(t *testing.T, query string, vars map[string]any, files map[string]upload) gqlResponse {
	t.Helper()
	fileMap := map[string][]string{}
	var parts []upload
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for i, p := range paths {
		f := files[p]
		f.field = fmt.Sprint(i)
		fileMap[f.field] = []string{p}
		parts = append(parts, f)
	}
	body, ct := multipartBody(t, map[string]any{"query": query, "variables": vars}, fileMap, parts...)
	return s.postMultipart(t, body, ct)
}

// storedFiles lists the files under the media root (temporaries apart),
// as paths relative to it.
func (s *testServer) storedFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(s.mediaDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(s.mediaDir, p)
		files = append(files, filepath.ToSlash(rel))
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// counts are the rows and files a refusal must leave unchanged.
type counts struct{ products, images, documents, files int }

func (s *testServer) counts(t *testing.T) counts {
	t.Helper()
	ctx := context.Background()
	var c counts
	c.products = s.Client.Product.Query().CountX(ctx)
	c.images = s.Client.ProductImage.Query().CountX(ctx)
	c.documents = s.Client.Document.Query().CountX(ctx)
	c.files = len(s.storedFiles(t))
	return c
}

// metricValue is the value of one series of the server's /metrics at base
// (`name{label="value"}`, as the text format writes it); 0 when absent.
func metricValue(t *testing.T, base, series string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}

// testImage is the w×h picture the tests encode (seed varies it, so that
// files differ).
func testImage(w, h int, seed uint8) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{uint8(x) + seed, uint8(y), seed, 255})
		}
	}
	return img
}

// pngBytes encodes a w×h PNG with some variation so that files differ.
func pngBytes(t testing.TB, w, h int, seed uint8) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, testImage(w, h, seed)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// dig walks decoded JSON: dig(data, "product", "images", 0, "image", "url").
func dig(v any, path ...any) any {
	for _, p := range path {
		switch p := p.(type) {
		case string:
			m, _ := v.(map[string]any)
			v = m[p]
		case int:
			l, _ := v.([]any)
			if p >= len(l) {
				return nil
			}
			v = l[p]
		}
	}
	return v
}

func digString(v any, path ...any) string {
	s, _ := dig(v, path...).(string)
	return s
}

func (s *testServer) get(t *testing.T, path string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, s.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func wantErrorCode(t *testing.T, r gqlResponse, status int, code, field string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status = %d, want %d; body %s", r.Status, status, r.Raw)
	}
	if len(r.Errors) == 0 {
		t.Fatalf("no errors, want %s; body %s", code, r.Raw)
	}
	e := r.Errors[0]
	if e.code() != code {
		t.Fatalf("code = %q, want %q; body %s", e.code(), code, r.Raw)
	}
	if field != "" && e.field() != field {
		t.Fatalf("field = %q, want %q; body %s", e.field(), field, r.Raw)
	}
}

var _ = strings.Contains

func createProduct(t *testing.T, s *testServer, name, price string) string {
	t.Helper()
	data := s.mustQuery(t, `mutation($input: CreateProductInput!) { createProduct(input: $input) { id } }`,
		map[string]any{"input": map[string]any{"name": name, "price": price}})
	return digString(data, "createProduct", "id")
}

func tmpEntries(dir string) int {
	entries, _ := os.ReadDir(filepath.Join(dir, ".tmp"))
	return len(entries)
}

func testConfig(t *testing.T, env map[string]string) *Config {
	t.Helper()
	cfg, err := LoadConfig(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// orphanKey is a key of the shape the server makes (prefix, 26 random
// base32 characters, extension): the sweep considers no other.
func orphanKey(prefix, ext string) string {
	var b [16]byte
	rand.Read(b[:])
	return prefix + base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding).EncodeToString(b[:]) + "." + ext
}

// wantUnchanged fails when a refusal left a row or a file behind.
func wantUnchanged(t *testing.T, s *testServer, before counts) {
	t.Helper()
	if after := s.counts(t); after != before {
		t.Errorf("counts changed by a refusal: %+v → %+v (files now %v)", before, after, s.storedFiles(t))
	}
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// serverBinary builds mediagraph once per test run.
func serverBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mediagraph-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "mediagraph")
		out, err := exec.Command("go", "build", "-o", binPath, "..").CombinedOutput() // the command at the top
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// process is the real binary running on a loopback port.
type process struct {
	cmd  *exec.Cmd
	addr string
	logs *bytes.Buffer
	mu   *sync.Mutex
	done chan error
}

func startProcess(t *testing.T, env ...string) *process {
	t.Helper()
	dir := t.TempDir()
	storageURL, _ := testStorage(t, dir)
	return startProcessOn(t, testDatabaseURL(t, dir), storageURL, env...)
}

// startProcessOn starts the binary on a given database and storage (the
// replicas of a test share them).
func startProcessOn(t *testing.T, databaseURL, storageURL string, env ...string) *process {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(serverBinary(t))
	cmd.Env = append(os.Environ(),
		"ADDR="+addr,
		"DATABASE_URL="+databaseURL,
		"STORAGE_URL="+storageURL,
		"RENDITIONS=none", // as in newTestServer; env may turn them on
	)
	cmd.Env = append(cmd.Env, env...)
	p := &process{cmd: cmd, addr: addr, logs: &bytes.Buffer{}, mu: &sync.Mutex{}, done: make(chan error, 1)}
	cmd.Stdout = lockedWriter{p.mu, p.logs}
	cmd.Stderr = lockedWriter{p.mu, p.logs}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not ready after 20s; logs:\n%s", p.output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
