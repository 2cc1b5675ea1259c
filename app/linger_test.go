package app

import (
	"bufio"
	"bytes"
	"errors"
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

// earlyRefusal is a multipart request refused from its headers (no token)
// while its declared body is still to come.
func earlyRefusal(bodyLength int) string {
	return fmt.Sprintf("POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=XX\r\n"+
		"Apollo-Require-Preflight: 1\r\nContent-Length: %d\r\n\r\n", bodyLength)
}

// readAnswer reads one response from conn within a second: the answer
// must come at once, whatever the client still has to send.
func readAnswer(t *testing.T, conn net.Conn, br *bufio.Reader) (*http.Response, string) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(time.Second))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer before the body was sent: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return resp, string(b)
}

// writeUntilRefused writes a byte every interval until a write fails
// (the server closed the connection for good: its kernel answers with a
// reset) or limit passes, and returns when that was.
func writeUntilRefused(conn net.Conn, interval, limit time.Duration) (time.Time, error) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if _, err := conn.Write([]byte{0}); err != nil {
			return time.Now(), err
		}
		time.Sleep(interval)
	}
	return time.Time{}, errors.New("still open")
}

// bodyBufferSlack is what the server may have read of a body before it
// refused it, and so not counted as discarded.
const bodyBufferSlack = 64 << 10

// lingerCount is how many lingering closes ended with outcome, waiting a
// moment for one that the client has seen end to be counted.
func lingerCount(t *testing.T, s *testServer, outcome string, want int) int {
	t.Helper()
	n := 0
	for range 50 {
		if n = int(metricValue(t, s.URL, `mediagraph_lingering_closes_total{outcome="`+outcome+`"}`)); n >= want {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return n
}

// TestLingeringClose: after an answer sent before the body was read, the
// server reads and discards the rest of the body and ends the connection
// with a FIN, not a reset, within its bounds; a client that stalls or
// dribbles is dropped at the idle or the total bound.
func TestLingeringClose(t *testing.T) {
	s := newTestServer(t, map[string]string{"API_TOKENS": "secret", "LINGERING_TIME": "1500ms", "LINGERING_TIMEOUT": "400ms"})
	addr := strings.TrimPrefix(s.URL, "http://")
	dial := func(t *testing.T) (net.Conn, *bufio.Reader) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn, bufio.NewReader(conn)
	}

	t.Run("the rest of the body is read, then FIN", func(t *testing.T) {
		const size = 8 << 20
		conn, br := dial(t)
		fmt.Fprint(conn, earlyRefusal(size))
		conn.Write(make([]byte, 1024))
		resp, body := readAnswer(t, conn, br)
		if resp.StatusCode != 401 || !strings.Contains(body, `"code":"UNAUTHENTICATED"`) || !resp.Close {
			t.Fatalf("answer: %d close=%v %s", resp.StatusCode, resp.Close, body)
		}
		// The client goes on sending all of it, as Node's fetch does: no
		// write fails, and the answer is followed by the server's FIN.
		if _, err := conn.Write(make([]byte, size-1024)); err != nil {
			t.Fatalf("sending the rest of the body after the answer: %v", err)
		}
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := br.Read(make([]byte, 1)); n != 0 || err != io.EOF {
			t.Fatalf("after the answer: %d bytes, %v; want the server's FIN", n, err)
		}
		conn.(*net.TCPConn).CloseWrite() // done sending: the lingering ends
		if n := lingerCount(t, s, "eof", 1); n != 1 {
			t.Errorf("lingering closes ending at the client's end: %d, want 1", n)
		}
		if b := int(metricValue(t, s.URL, "mediagraph_lingering_discarded_bytes_total")); b < size-1024-bodyBufferSlack {
			t.Errorf("discarded %d bytes, want about %d", b, size-1024)
		}
		if c := s.counts(t); c.images != 0 || c.files != 0 || c.products != 0 {
			t.Errorf("something was stored: %+v", c)
		}
		if tmp, _ := os.ReadDir(filepath.Join(s.mediaDir, ".tmp")); len(tmp) != 0 {
			t.Errorf("temporaries left: %v", tmp)
		}
	})

	t.Run("a client that stalls is dropped after the idle bound", func(t *testing.T) {
		conn, br := dial(t)
		fmt.Fprint(conn, earlyRefusal(5<<20))
		conn.Write(make([]byte, 1024))
		resp, _ := readAnswer(t, conn, br) // at once, though the body stalls
		if resp.StatusCode != 401 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		start := time.Now()
		if n := lingerCount(t, s, "idle", 1); n != 1 {
			t.Fatalf("lingering closes ending at the idle bound: %d, want 1", n)
		}
		if elapsed := time.Since(start); elapsed < 300*time.Millisecond || elapsed > 2*time.Second {
			t.Errorf("stalled client dropped after %v, want the idle bound (400ms)", elapsed)
		}
		// Gone for good: the next bytes are refused.
		if _, err := writeUntilRefused(conn, 10*time.Millisecond, 2*time.Second); err == nil {
			t.Error("the connection still takes bytes after the idle bound")
		}
	})

	t.Run("a client that dribbles is dropped at the total bound", func(t *testing.T) {
		conn, br := dial(t)
		fmt.Fprint(conn, earlyRefusal(5<<20))
		resp, _ := readAnswer(t, conn, br)
		if resp.StatusCode != 401 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		start := time.Now()
		// A byte every 100ms: never idle for 400ms, so only the total bound
		// ends it.
		refused, err := writeUntilRefused(conn, 100*time.Millisecond, 8*time.Second)
		if err == nil {
			t.Fatal("the connection still takes bytes 8s after the answer")
		}
		if elapsed := refused.Sub(start); elapsed < time.Second || elapsed > 4*time.Second {
			t.Errorf("dribbling client dropped after %v, want about the total bound (1.5s)", elapsed)
		}
		if n := lingerCount(t, s, "time", 1); n != 1 {
			t.Errorf("lingering closes ending at the total bound: %d, want 1", n)
		}
	})

	t.Run("a keep-alive request whose body is read does not linger", func(t *testing.T) {
		before := lingerCount(t, s, "eof", 0)
		resp, err := http.Post(s.URL+"/query", "application/json", strings.NewReader(`{"query":"{ products { totalCount } }"}`))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		http.DefaultClient.CloseIdleConnections()
		time.Sleep(100 * time.Millisecond)
		if n := lingerCount(t, s, "eof", 0); n != before {
			t.Errorf("a read body lingered: eof closes %d → %d", before, n)
		}
	})
}

// TestLingeringDoesNotHoldTheServer: a crowd of lingering connections
// (slowloris clients that keep sending a byte now and then after their
// refusal) keeps neither other clients from being served nor the server
// from shutting down well within SHUTDOWN_TIMEOUT.
func TestLingeringDoesNotHoldTheServer(t *testing.T) {
	p := startProcess(t, "API_TOKENS=secret", "LINGERING_TIME=60s", "LINGERING_TIMEOUT=30s", "SHUTDOWN_TIMEOUT=10s")
	const crowd = 40
	conns := make([]net.Conn, 0, crowd)
	for range crowd {
		conn, err := net.Dial("tcp", p.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		fmt.Fprint(conn, earlyRefusal(50<<20))
		conn.Write(make([]byte, 1024))
		resp, _ := readAnswer(t, conn, bufio.NewReader(conn))
		if resp.StatusCode != 401 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		conns = append(conns, conn)
	}
	stop := make(chan struct{})
	var dribbling sync.WaitGroup
	for _, conn := range conns {
		dribbling.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(200 * time.Millisecond):
				}
				if _, err := conn.Write([]byte{0}); err != nil {
					return
				}
			}
		})
	}
	defer func() { close(stop); dribbling.Wait() }()

	time.Sleep(time.Second) // every one of them is lingering now
	start := time.Now()
	resp, err := http.Get("http://" + p.addr + "/healthz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /healthz beside %d lingering connections: %v %v", crowd, resp, err)
	}
	resp.Body.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("GET /healthz took %v beside lingering connections", d)
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	select {
	case err := <-p.done:
		p.done <- err // for Cleanup
		if err != nil {
			t.Fatalf("exit: %v\n%s", err, p.output())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("not shut down 10s after SIGTERM with %d lingering connections\n%s", crowd, p.output())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("shutdown took %v with %d lingering connections; lingering must stop at shutdown", d, crowd)
	}
}

// TestExpectContinue: curl asks with Expect: 100-continue before sending a
// body over 1 MB; a request refused from its headers is answered without
// the body being asked for, so curl sends none of it. Without Expect, curl
// sends the body and reads the answer (not a reset).
func TestExpectContinue(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	s := newTestServer(t, map[string]string{"API_TOKENS": "secret"})
	file := filepath.Join(t.TempDir(), "big.png")
	if err := os.WriteFile(file, bytes.Repeat([]byte{0x89}, 5<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	send := func(t *testing.T, extra ...string) (status, sent int, body string) {
		t.Helper()
		out := filepath.Join(t.TempDir(), "answer")
		args := append([]string{"-sS", "--max-time", "20", "-o", out, "-w", "%{http_code} %{size_upload}",
			s.URL + "/query", "-H", "Apollo-Require-Preflight: 1",
			"-F", `operations={"query":"mutation($i: Upload!) { addProductImage(productID: \"1\", image: $i) { id } }","variables":{"i":null}}`,
			"-F", `map={"0":["variables.i"]}`, "-F", "0=@" + file}, extra...)
		res, err := exec.Command(curl, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("curl failed (a reset instead of the answer?): %v: %s", err, res)
		}
		if _, err := fmt.Sscan(string(res), &status, &sent); err != nil {
			t.Fatalf("curl -w output %q: %v", res, err)
		}
		b, _ := os.ReadFile(out)
		return status, sent, string(b)
	}

	t.Run("with Expect: 100-continue", func(t *testing.T) {
		status, sent, body := send(t)
		if status != 401 || !strings.Contains(body, `"code":"UNAUTHENTICATED"`) {
			t.Fatalf("answer %d %s", status, body)
		}
		if sent != 0 {
			t.Errorf("curl sent %d bytes of the body; a refusal from the headers should ask for none", sent)
		}
	})
	t.Run("without Expect", func(t *testing.T) {
		status, sent, body := send(t, "-H", "Expect:")
		if status != 401 || !strings.Contains(body, `"code":"UNAUTHENTICATED"`) {
			t.Fatalf("answer %d %s", status, body)
		}
		// How much curl sent depends on when the answer met it (all of it,
		// or nothing when it came before the first body write): either way
		// curl read it rather than a reset.
		t.Logf("curl sent %d of %d bytes before it read the answer and stopped", sent, 5<<20)
	})
	if c := s.counts(t); c.images != 0 || c.files != 0 {
		t.Errorf("something was stored: %+v", c)
	}
}
