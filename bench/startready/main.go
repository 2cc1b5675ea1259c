// Command startready measures start-to-ready of the mediagraph binary on the
// embedded default (SQLite and local media under ./data) with a fresh data
// directory each time: it starts the binary, polls /readyz every 5 ms and
// reports the time until the first 200, N times; prints JSON with the median.
//
//	go run ./bench/startready -bin PATH -dir SCRATCH [-n 5]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "", "mediagraph binary")
	dir := flag.String("dir", "", "scratch directory")
	n := flag.Int("n", 5, "runs")
	flag.Parse()
	client := &http.Client{Timeout: time.Second}
	var ms []float64
	for i := range *n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			log.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		wd := filepath.Join(*dir, fmt.Sprintf("start-%d", i))
		if err := os.MkdirAll(wd, 0o755); err != nil {
			log.Fatal(err)
		}
		cmd := exec.Command(*bin)
		cmd.Dir = wd // fresh: the defaults create ./data/mediagraph.db and ./data/media
		cmd.Env = append(os.Environ(), "ADDR="+addr)
		cmd.SysProcAttr = dieWithParent()
		t0 := time.Now()
		if err := cmd.Start(); err != nil {
			log.Fatal(err)
		}
		for {
			resp, err := client.Get("http://" + addr + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Since(t0) > 10*time.Second {
				cmd.Process.Kill()
				log.Fatal("no 200 from /readyz after 10 s")
			}
			time.Sleep(5 * time.Millisecond)
		}
		ms = append(ms, float64(time.Since(t0).Microseconds())/1000)
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	runs := append([]float64(nil), ms...)
	sort.Float64s(ms)
	json.NewEncoder(os.Stdout).Encode(map[string]any{"median_ms": ms[len(ms)/2], "runs_ms": runs})
}
