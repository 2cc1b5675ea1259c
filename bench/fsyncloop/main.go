// Command fsyncloop measures the machine's durable-write limit for small
// uploads: W writers each create a file, write SIZE bytes, fsync it and close
// it, for D; then the same with the file opened O_DIRECT (past the page
// cache, as mediagraph stages uploads on local disk); then buffered without
// fsync. Prints files per second as JSON.
//
//	go run ./bench/fsyncloop -dir DIR [-writers 4] [-size 1048576] [-d 5s]
package main

import (
	"crypto/rand"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	dir := flag.String("dir", "", "scratch directory (on the disk under test)")
	writers := flag.Int("writers", 4, "concurrent writers")
	size := flag.Int("size", 1<<20, "bytes per file")
	d := flag.Duration("d", 5*time.Second, "duration of each loop")
	flag.Parse()
	buf := make([]byte, *size)
	rand.Read(buf)
	loop := func(durable, direct bool) float64 {
		sub, err := os.MkdirTemp(*dir, "fsyncloop-")
		if err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(sub)
		var n atomic.Int64
		start := time.Now()
		deadline := start.Add(*d)
		var wg sync.WaitGroup
		for w := range *writers {
			wg.Go(func() {
				for i := 0; time.Now().Before(deadline); i++ {
					flags := os.O_RDWR | os.O_CREATE | os.O_TRUNC
					if direct {
						flags |= directFlag // buf is a large heap object: page-aligned
					}
					f, err := os.OpenFile(filepath.Join(sub, fmt.Sprintf("%d-%d", w, i)), flags, 0o644)
					if err != nil {
						log.Fatal(err)
					}
					if _, err := f.Write(buf); err != nil {
						log.Fatal(err)
					}
					if durable {
						if err := f.Sync(); err != nil {
							log.Fatal(err)
						}
					}
					f.Close()
					n.Add(1)
				}
			})
		}
		wg.Wait()
		return float64(n.Load()) / time.Since(start).Seconds()
	}
	withSync := loop(true, false)
	direct := withSync
	if directFlag != 0 {
		direct = loop(true, true)
	}
	without := loop(false, false)
	json.NewEncoder(os.Stdout).Encode(map[string]float64{"fsync_files_per_s": withSync, "direct_fsync_files_per_s": direct, "nofsync_files_per_s": without})
}
