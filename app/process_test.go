package app

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

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

// TestGracefulShutdown: on SIGTERM the server stops accepting connections,
// lets an upload in flight finish, and exits 0.
func TestGracefulShutdown(t *testing.T) {
	p := startProcess(t, "SHUTDOWN_TIMEOUT=20s")
	body, ct := multipartBody(t, map[string]any{
		"query":     `mutation($input: CreateProductInput!, $images: [Upload!]) { createProduct(input: $input, images: $images) { id images { image { path } } } }`,
		"variables": map[string]any{"input": map[string]any{"name": "P", "price": "1"}, "images": []any{nil}},
	}, map[string][]string{"0": {"variables.images.0"}}, upload{field: "0", name: "a.png", body: pngBytes(t, 300, 300, 1)})
	raw := body.Bytes()

	conn, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: %s\r\nApollo-Require-Preflight: 1\r\nContent-Length: %d\r\n\r\n", ct, len(raw))
	half := len(raw) / 2
	if _, err := conn.Write(raw[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // the request is in flight
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// New connections are refused once the listener is closed.
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", p.addr, time.Second)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("still accepting connections 5s after SIGTERM")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := conn.Write(raw[half:]); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight upload got no answer: %v\n%s", err, p.output())
	}
	respBody, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(respBody), `"path":"products/images/`) {
		t.Fatalf("in-flight upload: %d %s", resp.StatusCode, respBody)
	}
	select {
	case err := <-p.done:
		p.done <- err // for Cleanup
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, p.output())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("server did not exit after SIGTERM\n%s", p.output())
	}
	logs := p.output()
	for _, want := range []string{"shutting down", `msg=http method=POST path=/query status=200`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %q:\n%s", want, logs)
		}
	}
	if !strings.Contains(logs, "bytes=") || !strings.Contains(logs, "duration=") {
		t.Errorf("request log line lacks bytes or duration:\n%s", logs)
	}
}
