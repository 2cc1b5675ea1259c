// Command rss measures the memory of a mediagraph server while it stores a
// 1 GiB upload: a plain-text document through createDocument, sent once
// with Content-Length and once chunked (each on a fresh server), read from
// /proc/<pid>/status (VmRSS at idle, VmHWM after). The target (issue 5):
// at most 32 MiB above idle.
//
//	go run ./bench/rss [-size 1GiB] [-json out.json]
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	size := flag.Int64("size", 1<<30, "bytes of the uploaded document")
	jsonOut := flag.String("json", "", "write the results as JSON to this file")
	flag.Parse()

	tmp, err := os.MkdirTemp("", "mediagraph-rss-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "mediagraph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		log.Fatalf("go build: %v\n%s", err, out)
	}
	var results []map[string]any
	fmt.Printf("%-16s %10s %10s %10s %10s %8s\n", "mode", "idle MiB", "peak MiB", "delta MiB", "MB/s", "target")
	for _, chunked := range []bool{false, true} {
		r := measure(bin, tmp, *size, chunked)
		results = append(results, r)
		ok := "ok"
		if r["delta_mib"].(float64) > 32 {
			ok = "MISSED"
		}
		fmt.Printf("%-16s %10.1f %10.1f %10.1f %10.1f %8s\n", r["mode"], r["idle_mib"], r["peak_mib"], r["delta_mib"], r["mb_per_s"], ok)
	}
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(results, "", "  ")
		os.WriteFile(*jsonOut, b, 0o644)
	}
}

func measure(bin, tmp string, size int64, chunked bool) map[string]any {
	mode := "content-length"
	if chunked {
		mode = "chunked"
	}
	dir := filepath.Join(tmp, mode)
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	limit := strconv.FormatInt(size+(64<<20), 10)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "ADDR="+addr, "DATABASE_URL=sqlite:"+filepath.Join(dir, "db.sqlite"),
		"STORAGE_URL="+filepath.Join(dir, "media"), "MAX_REQUEST_BYTES="+limit, "MAX_DOCUMENT_BYTES="+limit)
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	base := "http://" + addr
	for i := 0; ; i++ {
		if r, err := http.Get(base + "/readyz"); err == nil && r.StatusCode == 200 {
			r.Body.Close()
			break
		}
		if i > 200 {
			log.Fatal("server not ready")
		}
		time.Sleep(50 * time.Millisecond)
	}
	// Warm up: one small request through the same paths.
	post(base, 1<<10, false)
	time.Sleep(200 * time.Millisecond)
	idle := status(cmd.Process.Pid, "VmRSS")
	start := time.Now()
	got := post(base, size, chunked)
	elapsed := time.Since(start)
	if got != size {
		log.Fatalf("%s: stored %d bytes, sent %d", mode, got, size)
	}
	peak := status(cmd.Process.Pid, "VmHWM")
	return map[string]any{
		"mode": mode, "bytes": size, "seconds": elapsed.Seconds(),
		"idle_mib": idle / 1024, "peak_mib": peak / 1024, "delta_mib": (peak - idle) / 1024,
		"mb_per_s": float64(size) / 1e6 / elapsed.Seconds(),
	}
}

// post uploads a text document of size bytes (generated as it is sent) and
// returns the size the server stored.
func post(base string, size int64, chunked bool) int64 {
	var head bytes.Buffer
	mw := multipart.NewWriter(&head)
	mw.WriteField("operations", `{"query":"mutation($input: CreateDocumentInput!) { createDocument(input: $input) { file { size } } }","variables":{"input":{"title":"big","file":null}}}`)
	mw.WriteField("map", `{"0":["variables.input.file"]}`)
	mw.CreateFormFile("0", "big.txt")
	headBytes := append([]byte(nil), head.Bytes()...)
	head.Reset()
	mw.Close()
	tail := append([]byte(nil), head.Bytes()...)
	body := io.MultiReader(bytes.NewReader(headBytes), io.LimitReader(textReader{}, size), bytes.NewReader(tail))
	req, _ := http.NewRequest(http.MethodPost, base+"/query", body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Apollo-Require-Preflight", "1")
	if !chunked {
		req.ContentLength = int64(len(headBytes)) + size + int64(len(tail))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			CreateDocument struct{ File struct{ Size int64 } }
		}
		Errors []any
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Errors) > 0 {
		log.Fatalf("upload: %d %v %v", resp.StatusCode, err, out.Errors)
	}
	return out.Data.CreateDocument.File.Size
}

// textReader yields ASCII text forever.
type textReader struct{}

func (textReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = "abcdefghijklmnopqrstuvwxyz\n"[i%27]
	}
	return len(p), nil
}

// status reads a kB figure from /proc/<pid>/status.
func status(pid int, field string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb
		}
	}
	log.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
