package app

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// rawUpload is a multipart addProductImage request as bytes.
func rawUpload(t *testing.T, productID string, img []byte) (head string, body []byte) {
	t.Helper()
	b, ct := multipartBody(t, map[string]any{"query": addImage, "variables": map[string]any{"id": productID, "image": nil}},
		map[string][]string{"0": {"variables.image"}}, upload{field: "0", name: "a.png", body: img})
	body = b.Bytes()
	head = fmt.Sprintf("POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nApollo-Require-Preflight: 1\r\nContent-Length: %d\r\n\r\n", ct, len(body))
	return head, body
}

// waitFor polls cond for up to d.
func waitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}

// TestClientDisconnectMidUpload: a client gone after half its body leaves
// no temporary, no row and no file, and the server keeps serving.
func TestClientDisconnectMidUpload(t *testing.T) {
	s := newTestServer(t, nil)
	id := createProduct(t, s, "P", "1")
	before := s.counts(t)
	head, body := rawUpload(t, id, pngBytes(t, 600, 600, 1))
	for range 5 {
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(conn, head)
		conn.Write(body[:len(body)/2])
		time.Sleep(50 * time.Millisecond) // the file part is being staged
		conn.Close()
	}
	if !waitFor(5*time.Second, func() bool { return tmpEntries(s.mediaDir) == 0 }) {
		t.Errorf("temporaries left after the clients went away: %d", tmpEntries(s.mediaDir))
	}
	if after := s.counts(t); after != before {
		t.Errorf("counts %+v → %+v", before, after)
	}
	r := s.mutate(t, addImage, map[string]any{"id": id, "image": nil}, map[string]upload{"variables.image": {name: "a.png", body: pngBytes(t, 300, 300, 2)}})
	if len(r.Errors) > 0 {
		t.Errorf("after the disconnects: %s", r.Raw)
	}
}

// TestSlowClients: stalled headers, a stalled body and an idle keep-alive
// connection are each closed after their timeout, while others are served.
func TestSlowClients(t *testing.T) {
	dir := t.TempDir()
	storageURL, mediaDir := testStorage(t, dir)
	p := startProcessOn(t, testDatabaseURL(t, dir), storageURL,
		"READ_HEADER_TIMEOUT=400ms", "BODY_READ_TIMEOUT=400ms", "IDLE_TIMEOUT=400ms")
	base := "http://" + p.addr
	id := digString(replica{p, base}.query(t, `mutation { createProduct(input: {name: "P", price: "1"}) { id } }`, nil), "createProduct", "id")
	head, body := rawUpload(t, id, pngBytes(t, 600, 600, 1))

	dial := func() net.Conn {
		c, err := net.Dial("tcp", p.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	// closedWithin reads until the server closes the connection.
	closedWithin := func(c net.Conn, d time.Duration) (string, bool) {
		c.SetReadDeadline(time.Now().Add(d))
		b, err := io.ReadAll(c)
		var ne net.Error
		if err != nil && (errorsAs(err, &ne) && ne.Timeout()) {
			return string(b), false
		}
		return string(b), true
	}

	var stalled []net.Conn
	for range 20 { // stalled headers
		c := dial()
		io.WriteString(c, "POST /query HTTP/1.1\r\nHost: x\r\n")
		stalled = append(stalled, c)
	}
	bodyStall := dial() // headers and the start of the file part, then nothing
	io.WriteString(bodyStall, head)
	bodyStall.Write(body[:len(body)/2])
	idle := dial() // one request, then idle
	io.WriteString(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	br := bufio.NewReader(idle)
	if r, err := http.ReadResponse(br, nil); err != nil || r.StatusCode != 200 {
		t.Fatalf("healthz on the idle connection: %v", err)
	}

	// Others are served meanwhile.
	if r, err := http.Get(base + "/healthz"); err != nil || r.StatusCode != 200 {
		t.Fatalf("a fresh client is not served while others stall: %v", err)
	}
	for i, c := range stalled {
		if _, ok := closedWithin(c, 5*time.Second); !ok {
			t.Fatalf("stalled-header connection %d still open after 5 s", i)
		}
	}
	answer, ok := closedWithin(bodyStall, 5*time.Second)
	if !ok {
		t.Fatal("stalled-body connection still open after 5 s")
	}
	if !strings.Contains(answer, "408") || !strings.Contains(answer, "REQUEST_TIMEOUT") {
		t.Errorf("stalled body answered %q", answer)
	}
	if _, ok := closedWithin(idle, 5*time.Second); !ok {
		t.Error("idle keep-alive connection still open after 5 s")
	}
	if !waitFor(3*time.Second, func() bool { return tmpEntries(mediaDir) == 0 }) {
		t.Errorf("temporaries left: %d", tmpEntries(mediaDir))
	}
	// A slow but steady upload (a chunk every 100 ms, under the 400 ms
	// stall timeout) goes through although it takes longer than it.
	c := dial()
	io.WriteString(c, head)
	for off := 0; off < len(body); off += len(body)/8 + 1 {
		c.Write(body[off:min(off+len(body)/8+1, len(body))])
		time.Sleep(100 * time.Millisecond)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	r, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("slow steady upload: %v", err)
	}
	b, _ := io.ReadAll(r.Body)
	if r.StatusCode != 200 || !strings.Contains(string(b), `"addProductImage":{"id"`) {
		t.Errorf("slow steady upload: %d %s", r.StatusCode, b)
	}
}

func errorsAs(err error, target *net.Error) bool {
	ne, ok := err.(net.Error)
	if ok {
		*target = ne
	}
	return ok
}

// TestCrashRecovery kills the real server with SIGKILL while uploads are
// in flight, restarts it on the same database and storage, and checks
// after its start-up sweep: every row's file exists and is complete, no
// file lacks a row, no temporary remains.
func TestCrashRecovery(t *testing.T) {
	dir := t.TempDir()
	storageURL, mediaDir := testStorage(t, dir)
	dbURL := testDatabaseURL(t, dir)
	p := startProcessOn(t, dbURL, storageURL)
	base := "http://" + p.addr
	id := digString(replica{p, base}.query(t, `mutation { createProduct(input: {name: "P", price: "1"}) { id } }`, nil), "createProduct", "id")

	// Uploads in flight: some complete, some half sent, some being stored.
	var wg sync.WaitGroup
	for i := range 24 {
		head, body := rawUpload(t, id, pngBytes(t, 500, 500, uint8(i)))
		wg.Go(func() {
			c, err := net.Dial("tcp", p.addr)
			if err != nil {
				return
			}
			defer c.Close()
			io.WriteString(c, head)
			cut := len(body)
			if i%3 == 0 {
				cut = len(body) / 2
			}
			c.Write(body[:cut])
			c.SetReadDeadline(time.Now().Add(3 * time.Second))
			io.Copy(io.Discard, c)
		})
	}
	time.Sleep(150 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-p.done
	p.done <- nil
	wg.Wait()

	// Restart with a sweep that takes every unreferenced file.
	q := startProcessOn(t, dbURL, storageURL, "SWEEP_GRACE=1ns", "SWEEP_INTERVAL=1h")
	if !waitFor(10*time.Second, func() bool { return replica{q, "http://" + q.addr}.sweepRuns(t) >= 1 }) {
		t.Fatal("no sweep after restart")
	}
	if n := tmpEntries(mediaDir); n != 0 {
		t.Errorf("%d temporaries remain after restart", n)
	}
	rows := imageRows(t, dbURL, mediaDir)
	files := map[string]bool{}
	filepath.WalkDir(mediaDir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.Contains(path, "/.tmp/") {
			rel, _ := filepath.Rel(mediaDir, path)
			files[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	for path, want := range rows {
		b, err := os.ReadFile(filepath.Join(mediaDir, path))
		if err != nil {
			t.Errorf("row names %s: %v", path, err)
			continue
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != want {
			t.Errorf("%s is incomplete or damaged", path)
		}
		delete(files, path)
	}
	for f := range files {
		t.Errorf("orphan after restart and sweep: %s", f)
	}
	t.Logf("%d uploads committed before the kill", len(rows))
}

// imageRows reads product_images (path → sha256) straight from the
// database.
func imageRows(t *testing.T, dbURL, mediaDir string) map[string]string {
	t.Helper()
	driverName, dsn := "pgx", dbURL
	if path, ok := strings.CutPrefix(dbURL, "sqlite:"); ok {
		driverName, dsn = "sqlite3", "file:"+path+"?mode=ro"
	}
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rs, err := db.QueryContext(context.Background(), "SELECT image_path, image_sha256 FROM product_images")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	out := map[string]string{}
	for rs.Next() {
		var p, h string
		rs.Scan(&p, &h)
		out[p] = h
	}
	return out
}
