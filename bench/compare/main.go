// Command compare measures mediagraph against the systems users would
// otherwise pick, in one run, with the same load generator (wrk) and the
// same bodies: the Django + DRF peer, the graphql-yoga and Apollo Server
// peers (../shared/peers), nginx on the same media directory, and the
// machine's durable-write limits (dd conv=fdatasync, a Go fsync loop).
// It prints one table with each figure, its ratio to each peer and the
// target, and writes it as JSON. Run it through bench/run.sh, which
// installs wrk and nginx and the peers' packages.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"image"
	"image/png"
	"io"
	"log"
	"math/rand"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	peersDir = flag.String("peers", "../shared/peers", "folder of the peers")
	outFile  = flag.String("o", "bench/results.json", "where to write the results as JSON")
	duration = flag.Duration("d", 10*time.Second, "duration of each wrk run")
	skip     = flag.String("skip", "", "comma-separated peers to leave out (django,yoga,apollo,nginx)")
)

// row is one figure of the table.
type row struct {
	Scenario string             `json:"scenario"`
	Metric   string             `json:"metric"`
	Values   map[string]float64 `json:"values"` // system → figure
	Extra    map[string]string  `json:"extra,omitempty"`
	Target   string             `json:"target,omitempty"`
	Verdict  string             `json:"verdict,omitempty"`
}

type run struct {
	tmp   string
	rows  []*row
	procs []*exec.Cmd
	skip  map[string]bool
}

func main() {
	flag.Parse()
	r := &run{skip: map[string]bool{}}
	for _, s := range strings.Split(*skip, ",") {
		if s != "" {
			r.skip[s] = true
		}
	}
	var err error
	r.tmp, err = os.MkdirTemp("", "mediagraph-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer r.cleanup()
	go func() { // Ctrl-C: clean up, then leave.
		sig := make(chan os.Signal, 1)
		signalNotify(sig)
		<-sig
		r.cleanup()
		os.Exit(130)
	}()
	r.main()
}

func (r *run) cleanup() {
	for _, p := range r.procs {
		if p.Process != nil {
			syscall.Kill(-p.Process.Pid, syscall.SIGTERM)
		}
	}
	time.Sleep(300 * time.Millisecond)
	for _, p := range r.procs {
		if p.Process != nil {
			syscall.Kill(-p.Process.Pid, syscall.SIGKILL)
		}
	}
	r.procs = nil
	if !r.skip["django"] {
		exec.Command(filepath.Join(*peersDir, "django", "stop.sh")).Run()
	}
	os.RemoveAll(r.tmp)
}

func (r *run) main() {
	log.SetFlags(0)
	log.SetPrefix("[bench] ")
	bin := filepath.Join(r.tmp, "mediagraph")
	must(exec.Command("go", "build", "-o", bin, ".").Run())
	fx := r.fixtures()

	// The systems, each on fresh data.
	mg := r.startMediagraph(bin, "mg", nil)
	systems := map[string]*server{"mediagraph": mg}
	if !r.skip["yoga"] {
		systems["yoga"] = r.startNode("yoga")
	}
	if !r.skip["apollo"] {
		systems["apollo"] = r.startNode("apollo")
	}
	if !r.skip["django"] {
		systems["django"] = r.startDjango()
	}
	order := []string{"mediagraph", "django", "yoga", "apollo"}

	// 1. List page (first, on fresh instances: later scenarios add images to a product of their own): 1,000 products × 3 images, a page of 50.
	list := &row{Scenario: "list page of 50 products × 3 images (1,000 seeded)", Metric: "req/s", Values: map[string]float64{}, Extra: map[string]string{}}
	for _, name := range order {
		s := systems[name]
		if s == nil {
			continue
		}
		s.seed(r, fx.pngSmall)
		res := r.wrk(s.listRequest(r), 4)
		list.Values[name] = res.rps
		list.Extra[name] = fmt.Sprintf("p50 %s p99 %s", res.p50, res.p99)
	}
	list.Extra["mediagraph SQL statements"] = "2 per page (3 with totalCount), whatever the page size: TestListQueryCountIsConstant"
	list.Target = "≥ 10× django, ≥ 3× yoga; SQL statements constant (≤ 3)"
	list.Verdict = verdict(list.Values["mediagraph"] >= 10*list.Values["django"] && list.Values["mediagraph"] >= 3*list.Values["yoga"])
	r.rows = append(r.rows, list)

	// 2. 1 MB PNG uploads, 4 connections.
	up := &row{Scenario: "1 MB PNG upload, 4 connections", Metric: "uploads/s", Values: map[string]float64{}, Extra: map[string]string{}}
	for _, name := range order {
		s := systems[name]
		if s == nil {
			continue
		}
		res := r.wrk(s.uploadRequest(r, fx.png1MB, "photo.png"), 4)
		up.Values[name] = res.rps
		up.Extra[name] = fmt.Sprintf("p50 %s p99 %s", res.p50, res.p99)
	}
	fsyncRate, plainRate := fsyncLoop(r.tmp, 5*time.Second)
	up.Values["fsync loop (1 MiB, 4 writers)"] = fsyncRate
	up.Values["write loop without fsync"] = plainRate
	up.Target = "≥ 2× django, ≥ 2× yoga, ≥ 0.7× fsync loop"
	up.Verdict = verdict(up.Values["mediagraph"] >= 2*up.Values["django"] && up.Values["mediagraph"] >= 2*up.Values["yoga"] && up.Values["mediagraph"] >= 0.7*fsyncRate)
	r.rows = append(r.rows, up)

	// 2. 20 MB uploads: MB/s.
	big := &row{Scenario: "20 MB upload, 2 connections", Metric: "MB/s", Values: map[string]float64{}, Extra: map[string]string{}}
	for _, name := range order {
		s := systems[name]
		if s == nil {
			continue
		}
		var res wrkResult
		size := float64(len(fx.pdf20MB))
		if name == "mediagraph" {
			res = r.wrk(s.documentRequest(r, fx.pdf20MB, "manual.pdf"), 2)
		} else {
			res = r.wrk(s.uploadRequest(r, fx.png20MB, "big.png"), 2)
			size = float64(len(fx.png20MB))
		}
		big.Values[name] = res.rps * size / 1e6
		big.Extra[name] = fmt.Sprintf("p50 %s p99 %s", res.p50, res.p99)
	}
	big.Values["dd conv=fdatasync"] = ddLimit(r.tmp)
	big.Target = "≥ 1× django, ≥ 0.7× dd"
	big.Verdict = verdict(big.Values["mediagraph"] >= big.Values["django"] && big.Values["mediagraph"] >= 0.7*big.Values["dd conv=fdatasync"])
	r.rows = append(r.rows, big)

	// 3. Peak RSS during a stored 1 GiB upload.
	rss := &row{Scenario: "1 GiB upload stored: peak RSS above idle", Metric: "MiB", Values: map[string]float64{}}
	rssOut := filepath.Join(r.tmp, "rss.json")
	cmd := exec.Command("go", "run", "./bench/rss", "-json", rssOut)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	must(cmd.Run())
	var rssRes []map[string]any
	b, _ := os.ReadFile(rssOut)
	json.Unmarshal(b, &rssRes)
	ok := true
	for _, m := range rssRes {
		d := m["delta_mib"].(float64)
		rss.Values["mediagraph "+m["mode"].(string)] = d
		ok = ok && d <= 32
	}
	rss.Target = "≤ 32 MiB, both"
	rss.Verdict = verdict(ok && len(rssRes) == 2)
	r.rows = append(r.rows, rss)

	// 5. Media GET of a 100 KB file vs nginx on the same file.
	key := mg.storeDocument(r, fx.txt100KB, "page.txt")
	get := &row{Scenario: "media GET, 100 KB file, 4 keep-alive connections", Metric: "req/s", Values: map[string]float64{}}
	get.Values["mediagraph"] = r.wrk(request{url: mg.base + "/media/" + key}, 4).rps
	rangeMix := &row{Scenario: "media GET, full and Range requests alternating", Metric: "req/s", Values: map[string]float64{}}
	rangeMix.Values["mediagraph"] = r.wrk(request{url: mg.base + "/media/" + key, script: "bench/range.lua"}, 4).rps
	if !r.skip["nginx"] {
		ng := r.startNginx(mg.mediaDir)
		get.Values["nginx"] = r.wrk(request{url: ng + "/" + key}, 4).rps
		rangeMix.Values["nginx"] = r.wrk(request{url: ng + "/" + key, script: "bench/range.lua"}, 4).rps
	}
	get.Target = "≥ 0.8× nginx"
	get.Verdict = verdict(get.Values["mediagraph"] >= 0.8*get.Values["nginx"])
	r.rows = append(r.rows, get, rangeMix)

	// 6. Start to ready on the embedded default, fresh data directory.
	start := &row{Scenario: "start to ready, fresh data directory (median of 5)", Metric: "ms", Values: map[string]float64{"mediagraph": r.startToReady(bin)}}
	start.Target = "≤ 150 ms"
	start.Verdict = verdict(start.Values["mediagraph"] <= 150)
	r.rows = append(r.rows, start)

	r.report()
}

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

func (r *run) report() {
	fmt.Println()
	for _, w := range r.rows {
		fmt.Printf("%s (%s) — target %s: %s\n", w.Scenario, w.Metric, orDash(w.Target), orDash(w.Verdict))
		names := make([]string, 0, len(w.Values))
		for n := range w.Values {
			names = append(names, n)
		}
		sort.Slice(names, func(i, j int) bool {
			return rank(names[i]) < rank(names[j]) || rank(names[i]) == rank(names[j]) && names[i] < names[j]
		})
		mg, hasMG := w.Values["mediagraph"]
		for _, n := range names {
			v := w.Values[n]
			ratio := ""
			if hasMG && n != "mediagraph" && v > 0 {
				ratio = fmt.Sprintf("  mediagraph = %.2f×", mg/v)
			}
			extra := ""
			if e := w.Extra[n]; e != "" {
				extra = "  (" + e + ")"
			}
			fmt.Printf("    %-34s %10.1f%s%s\n", n, v, ratio, extra)
		}
		if e := w.Extra["mediagraph SQL statements"]; e != "" {
			fmt.Printf("    SQL: %s\n", e)
		}
	}
	b, _ := json.MarshalIndent(map[string]any{"when": time.Now().UTC().Format(time.RFC3339), "rows": r.rows}, "", "  ")
	if err := os.WriteFile(*outFile, b, 0o644); err != nil {
		log.Printf("writing %s: %v", *outFile, err)
	} else {
		log.Printf("results written to %s", *outFile)
	}
}

func rank(n string) int {
	switch {
	case n == "mediagraph" || strings.HasPrefix(n, "mediagraph "):
		return 0
	case n == "django":
		return 1
	case n == "yoga":
		return 2
	case n == "apollo":
		return 3
	}
	return 4
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// fixtures are the bodies every system gets.
type fixtures struct {
	png1MB, png20MB, pngSmall, pdf20MB, txt100KB []byte
}

func randomPNG(w, h int) []byte {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	rand.New(rand.NewSource(int64(w))).Read(img.Pix)
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	var buf bytes.Buffer
	must(png.Encode(&buf, img))
	return buf.Bytes()
}

func (r *run) fixtures() fixtures {
	var f fixtures
	f.png1MB = randomPNG(512, 512)    // ≈ 1.05 MB
	f.png20MB = randomPNG(2240, 2240) // ≈ 20 MB
	pdf := bytes.NewBufferString("%PDF-1.4\n")
	pad := make([]byte, 20_000_000-pdf.Len()-6)
	rand.New(rand.NewSource(7)).Read(pad)
	pdf.Write(pad)
	pdf.WriteString("%%EOF\n")
	f.pdf20MB = pdf.Bytes()
	line := []byte("The quick brown fox jumps over the lazy dog. 0123456789\n")
	f.txt100KB = bytes.Repeat(line, 100_000/len(line))
	small := image.NewGray(image.Rect(0, 0, 300, 300))
	var sb bytes.Buffer
	png.Encode(&sb, small)
	f.pngSmall = sb.Bytes() // the list scenario seeds with a small image
	return f
}

// server is one system under test.
type server struct {
	name     string
	kind     string // mediagraph, node, django
	base     string
	mediaDir string
	product  string // a product id for uploads
}

func freePort() int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(err)
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func (r *run) spawn(name string, cmd *exec.Cmd) {
	logf, err := os.Create(filepath.Join(r.tmp, name+".log"))
	must(err)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	must(cmd.Start())
	r.procs = append(r.procs, cmd)
}

func waitReady(url string, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode < 500 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	log.Fatalf("%s not ready after %s", url, timeout)
}

func (r *run) startMediagraph(bin, name string, env []string) *server {
	port := freePort()
	dir := filepath.Join(r.tmp, name)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), fmt.Sprintf("ADDR=127.0.0.1:%d", port), "DATABASE_URL=sqlite:"+filepath.Join(dir, "mg.db"),
		"STORAGE_URL="+filepath.Join(dir, "media"), "MAX_REQUEST_BYTES=64MiB", "MAX_DOCUMENT_BYTES=32MiB")
	cmd.Env = append(cmd.Env, env...)
	r.spawn(name, cmd)
	s := &server{name: "mediagraph", kind: "mediagraph", base: fmt.Sprintf("http://127.0.0.1:%d", port), mediaDir: filepath.Join(dir, "media")}
	waitReady(s.base+"/readyz", 20*time.Second)
	log.Printf("mediagraph on %s", s.base)
	return s
}

func (r *run) startNode(peer string) *server {
	port := freePort()
	cmd := exec.Command("node", "peer-"+peer+"/server.mjs")
	cmd.Dir = filepath.Join(*peersDir, "node")
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), "DATA_DIR="+filepath.Join(r.tmp, peer), "MAX_FILE_SIZE=33554432")
	r.spawn(peer, cmd)
	s := &server{name: peer, kind: "node", base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	waitReady(s.base+"/healthz", 30*time.Second)
	log.Printf("%s on %s", peer, s.base)
	return s
}

func (r *run) startDjango() *server {
	port := freePort()
	cmd := exec.Command(filepath.Join(*peersDir, "django", "run.sh"))
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port))
	out, err := cmd.CombinedOutput()
	if err != nil {
		log.Fatalf("django run.sh: %v\n%s", err, out)
	}
	s := &server{name: "django", kind: "django", base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	log.Printf("django on %s", s.base)
	return s
}

func (r *run) startNginx(root string) string {
	port := freePort()
	dir := filepath.Join(r.tmp, "nginx")
	os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
	conf := fmt.Sprintf(`daemon off;
worker_processes 2;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types { text/plain txt; image/png png; }
  server {
    listen 127.0.0.1:%[2]d;
    root %[3]s;
  }
}
`, dir, port, root)
	must(os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644))
	os.Chmod(r.tmp, 0o755)
	r.spawn("nginx", exec.Command("nginx", "-p", dir, "-c", filepath.Join(dir, "nginx.conf")))
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitReady(base+"/", 10*time.Second)
	log.Printf("nginx on %s serving %s", base, root)
	return base
}

// request is what wrk sends.
type request struct {
	url, script, bodyFile, contentType string
}

func (r *run) bodyFile(name string, body []byte) string {
	p := filepath.Join(r.tmp, name)
	must(os.WriteFile(p, body, 0o644))
	return p
}

func multipartFile(operations, fileMap, field, name string, file []byte) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if operations != "" {
		mw.WriteField("operations", operations)
		mw.WriteField("map", fileMap)
	}
	w, _ := mw.CreateFormFile(field, name)
	w.Write(file)
	mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

func postJSON(url string, v any) map[string]any {
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Apollo-Require-Preflight", "1")
	resp, err := http.DefaultClient.Do(req)
	must(err)
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil || resp.StatusCode >= 300 {
		log.Fatalf("POST %s: %d %s", url, resp.StatusCode, raw)
	}
	return out
}

func (s *server) ensureProduct() string {
	if s.product != "" {
		return s.product
	}
	switch s.kind {
	case "django":
		out := postJSON(s.base+"/products/", map[string]any{"name": "Bench", "description": "", "price": "1.00"})
		s.product = fmt.Sprint(out["id"])
	default:
		out := postJSON(s.base+"/query", map[string]any{"query": `mutation { createProduct(input: {name: "Bench", price: "1.00"}) { id } }`})
		s.product = fmt.Sprint(out["data"].(map[string]any)["createProduct"].(map[string]any)["id"])
	}
	return s.product
}

func (s *server) uploadRequest(r *run, file []byte, name string) request {
	id := s.ensureProduct()
	var body []byte
	var ct, url string
	switch s.kind {
	case "django":
		body, ct = multipartFile("", "", "image", name, file)
		url = fmt.Sprintf("%s/products/%s/images/", s.base, id)
	default:
		ops := fmt.Sprintf(`{"query":"mutation($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) { id } }","variables":{"id":%q,"image":null}}`, id)
		body, ct = multipartFile(ops, `{"0":["variables.image"]}`, "0", name, file)
		url = s.base + "/query"
	}
	return request{url: url, script: "bench/upload.lua", bodyFile: r.bodyFile(s.name+"-"+name+".body", body), contentType: ct}
}

func (s *server) documentRequest(r *run, file []byte, name string) request {
	ops := `{"query":"mutation($input: CreateDocumentInput!) { createDocument(input: $input) { id } }","variables":{"input":{"title":"Manual","file":null}}}`
	body, ct := multipartFile(ops, `{"0":["variables.input.file"]}`, "0", name, file)
	return request{url: s.base + "/query", script: "bench/upload.lua", bodyFile: r.bodyFile(s.name+"-"+name+".body", body), contentType: ct}
}

// storeDocument uploads a file as a document and returns its storage key.
func (s *server) storeDocument(r *run, file []byte, name string) string {
	req := s.documentRequest(r, file, name)
	req2 := strings.Replace(string(must2(os.ReadFile(req.bodyFile))), "{ id }", "{ file { path } }", 1)
	hr, _ := http.NewRequest(http.MethodPost, req.url, strings.NewReader(req2))
	hr.Header.Set("Content-Type", req.contentType)
	hr.Header.Set("Apollo-Require-Preflight", "1")
	resp, err := http.DefaultClient.Do(hr)
	must(err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`"path":"([^"]+)"`).FindSubmatch(raw)
	if m == nil {
		log.Fatalf("storing %s: %s", name, raw)
	}
	return string(m[1])
}

// seed adds 1,000 products with 3 images each (the Django peer through its
// ORM seeding script, the others through their GraphQL API).
func (s *server) seed(r *run, img []byte) {
	t0 := time.Now()
	if s.kind == "django" {
		dataDir := strings.TrimSpace(string(must2(os.ReadFile(filepath.Join(*peersDir, "django", ".run", "datadir")))))
		cmd := exec.Command("/usr/bin/python3", "manage.py", "shell", "-c", string(must2(os.ReadFile(filepath.Join(*peersDir, "django", "tools", "seed.py")))))
		cmd.Dir = filepath.Join(*peersDir, "django", "app")
		cmd.Env = append(os.Environ(), "DJANGO_DATA_DIR="+dataDir)
		if out, err := cmd.CombinedOutput(); err != nil {
			log.Fatalf("django seed: %v\n%s", err, out)
		}
		log.Printf("seeded django in %s", time.Since(t0).Round(time.Millisecond))
		return
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range 1000 {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out := postJSON(s.base+"/query", map[string]any{"query": fmt.Sprintf(`mutation { createProduct(input: {name: "Seed %04d", price: "%d.50"}) { id } }`, i, i)})
			id := fmt.Sprint(out["data"].(map[string]any)["createProduct"].(map[string]any)["id"])
			var buf bytes.Buffer
			mw := multipart.NewWriter(&buf)
			mw.WriteField("operations", fmt.Sprintf(`{"query":"mutation($id: ID!, $images: [Upload!]!) { addProductImages(productID: $id, images: $images) { id } }","variables":{"id":%q,"images":[null,null,null]}}`, id))
			mw.WriteField("map", `{"0":["variables.images.0"],"1":["variables.images.1"],"2":["variables.images.2"]}`)
			for k := range 3 {
				w, _ := mw.CreateFormFile(strconv.Itoa(k), "seed.png")
				w.Write(img)
			}
			mw.Close()
			req, _ := http.NewRequest(http.MethodPost, s.base+"/query", &buf)
			req.Header.Set("Content-Type", mw.FormDataContentType())
			req.Header.Set("Apollo-Require-Preflight", "1")
			resp, err := http.DefaultClient.Do(req)
			must(err)
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if bytes.Contains(raw, []byte(`"errors"`)) {
				log.Fatalf("seeding %s: %s", s.name, raw)
			}
		})
	}
	wg.Wait()
	log.Printf("seeded %s in %s", s.name, time.Since(t0).Round(time.Millisecond))
}

func (s *server) listRequest(r *run) request {
	if s.kind == "django" {
		return request{url: s.base + "/products/"}
	}
	q := `{ products(first: 50) { edges { node { id name price images { image { url } } } } } }`
	if s.kind == "node" {
		q = `{ products(first: 50) { id name price images { image { url } } } }`
	}
	b, _ := json.Marshal(map[string]any{"query": q})
	return request{url: s.base + "/query", script: "bench/upload.lua", bodyFile: r.bodyFile(s.name+"-list.json", b), contentType: "application/json"}
}

type wrkResult struct {
	rps      float64
	p50, p99 string
}

var (
	reRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reP50 = regexp.MustCompile(`\n\s+50%\s+(\S+)`)
	reP99 = regexp.MustCompile(`\n\s+99%\s+(\S+)`)
	reNon = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)`)
)

func (r *run) wrk(req request, conns int) wrkResult {
	args := []string{"-t2", fmt.Sprintf("-c%d", conns), "-d" + duration.String(), "--timeout", "30s", "--latency"}
	if req.script != "" {
		args = append(args, "-s", req.script)
	}
	args = append(args, req.url)
	cmd := exec.Command("wrk", args...)
	cmd.Env = append(os.Environ(), "BODY_FILE="+req.bodyFile, "CONTENT_TYPE="+req.contentType)
	out, err := cmd.CombinedOutput()
	if err != nil {
		log.Fatalf("wrk %v: %v\n%s", args, err, out)
	}
	res := wrkResult{}
	if m := reRPS.FindSubmatch(out); m != nil {
		res.rps, _ = strconv.ParseFloat(string(m[1]), 64)
	}
	if m := reP50.FindSubmatch(out); m != nil {
		res.p50 = string(m[1])
	}
	if m := reP99.FindSubmatch(out); m != nil {
		res.p99 = string(m[1])
	}
	if m := reNon.FindSubmatch(out); m != nil {
		log.Printf("WARNING: %s: %s non-2xx responses\n%s", req.url, m[1], out)
	}
	log.Printf("%s (%d conns): %.1f req/s, p50 %s, p99 %s", req.url, conns, res.rps, res.p50, res.p99)
	return res
}

// fsyncLoop writes 1 MiB files with 4 writers for d, with and without
// fsync: files per second (the durable limit for small uploads).
func fsyncLoop(dir string, d time.Duration) (durable, plain float64) {
	loop := func(durable bool) float64 {
		d2 := filepath.Join(dir, fmt.Sprintf("fsync-%v", durable))
		os.MkdirAll(d2, 0o755)
		defer os.RemoveAll(d2)
		buf := make([]byte, 1<<20)
		rand.Read(buf)
		var n atomic.Int64
		deadline := time.Now().Add(d)
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Go(func() {
				for i := 0; time.Now().Before(deadline); i++ {
					f, err := os.Create(filepath.Join(d2, fmt.Sprintf("%d-%d", w, i)))
					must(err)
					f.Write(buf)
					if durable {
						f.Sync()
					}
					f.Close()
					n.Add(1)
				}
			})
		}
		wg.Wait()
		return float64(n.Load()) / d.Seconds()
	}
	return loop(true), loop(false)
}

func ddLimit(dir string) float64 {
	out, err := exec.Command("dd", "if=/dev/zero", "of="+filepath.Join(dir, "dd.bin"), "bs=1M", "count=1024", "conv=fdatasync").CombinedOutput()
	os.Remove(filepath.Join(dir, "dd.bin"))
	if err != nil {
		log.Fatalf("dd: %v %s", err, out)
	}
	m := regexp.MustCompile(`([0-9.]+) s, `).FindSubmatch(out)
	secs, _ := strconv.ParseFloat(string(m[1]), 64)
	return 1073741824 / 1e6 / secs
}

func (r *run) startToReady(bin string) float64 {
	var ms []float64
	for i := range 5 {
		port := freePort()
		dir := filepath.Join(r.tmp, fmt.Sprintf("start-%d", i))
		cmd := exec.Command(bin)
		cmd.Dir = dir
		os.MkdirAll(dir, 0o755)
		cmd.Env = append(os.Environ(), fmt.Sprintf("ADDR=127.0.0.1:%d", port)) // embedded defaults: ./data
		t0 := time.Now()
		must(cmd.Start())
		url := fmt.Sprintf("http://127.0.0.1:%d/readyz", port)
		for {
			resp, err := http.Get(url)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
			}
			if time.Since(t0) > 10*time.Second {
				log.Fatal("start to ready: no /readyz after 10 s")
			}
			time.Sleep(5 * time.Millisecond)
		}
		ms = append(ms, float64(time.Since(t0).Microseconds())/1000)
		cmd.Process.Kill()
		cmd.Wait()
	}
	sort.Float64s(ms)
	log.Printf("start to ready: %v ms", ms)
	return ms[len(ms)/2]
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func must2[T any](v T, err error) T {
	must(err)
	return v
}
