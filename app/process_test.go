package app

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"
)

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
