// Command report turns the raw figures that bench/run.sh collected into one
// table — each figure, the ratio of mediagraph to each peer and to the
// machine's limit, the target of issue 5 with ok/MISSED — and writes the same
// as JSON.
//
//	go run ./bench/report -raw RAW.tsv [-rss rss.json] [-fsync fsync.json] [-start start.json] [-meta meta.tsv] [-o out.json]
//
// RAW.tsv lines: key, system, value, p50 ms, p99 ms, note (tab-separated;
// empty fields allowed). meta.tsv lines: name, value.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

var peers = []string{"django", "yoga", "apollo"}

type row struct {
	ID      string             `json:"id"`
	Figure  string             `json:"figure"`
	Unit    string             `json:"unit"`
	Values  map[string]float64 `json:"values"`           // system → figure
	P50     map[string]float64 `json:"p50_ms,omitempty"` // system → latency
	P99     map[string]float64 `json:"p99_ms,omitempty"`
	Limit   string             `json:"limit,omitempty"` // name of the machine/static limit in Values
	Ratios  map[string]float64 `json:"ratios,omitempty"`
	Target  string             `json:"target,omitempty"`
	Verdict string             `json:"verdict,omitempty"`
	Notes   []string           `json:"notes,omitempty"`
}

func main() {
	rawPath := flag.String("raw", "", "raw figures (TSV)")
	rssPath := flag.String("rss", "", "JSON of go run ./bench/rss")
	fsyncPath := flag.String("fsync", "", "JSON of bench/fsyncloop")
	startPath := flag.String("start", "", "JSON of bench/startready")
	metaPath := flag.String("meta", "", "machine and settings (TSV name, value)")
	out := flag.String("o", "", "write JSON here")
	md := flag.String("md", "", "also write the table as Markdown here")
	flag.Parse()
	log.SetFlags(0)

	rows := map[string]*row{}
	counts := map[string]float64{} // key/system → rounds seen: repeated rounds are averaged
	get := func(id string) *row {
		if rows[id] == nil {
			rows[id] = &row{ID: id, Values: map[string]float64{}, P50: map[string]float64{}, P99: map[string]float64{}}
		}
		return rows[id]
	}
	if f, err := os.Open(*rawPath); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fs := strings.Split(sc.Text(), "\t")
			for len(fs) < 6 {
				fs = append(fs, "")
			}
			r := get(fs[0])
			k := fs[0] + "/" + fs[1]
			n := counts[k]
			avg := func(m map[string]float64, field string) {
				if v, err := strconv.ParseFloat(field, 64); err == nil {
					m[fs[1]] = (m[fs[1]]*n + v) / (n + 1)
				}
			}
			avg(r.Values, fs[2])
			avg(r.P50, fs[3])
			avg(r.P99, fs[4])
			counts[k] = n + 1
			if fs[5] != "" {
				r.Notes = append(r.Notes, fs[1]+": "+fs[5])
			}
		}
		f.Close()
	}
	var fsync map[string]float64
	readJSON(*fsyncPath, &fsync)
	var rss []map[string]any
	readJSON(*rssPath, &rss)
	var start map[string]any
	readJSON(*startPath, &start)
	meta := [][2]string{}
	if f, err := os.Open(*metaPath); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "\t"); ok {
				meta = append(meta, [2]string{k, v})
			}
		}
		f.Close()
	}

	var table []*row
	add := func(r *row, figure, unit, limit, target string) *row {
		r.Figure, r.Unit, r.Limit, r.Target = figure, unit, limit, target
		r.Ratios = map[string]float64{}
		if mg, ok := r.Values["mediagraph"]; ok {
			for _, p := range append(append([]string(nil), peers...), limit) {
				if v, ok := r.Values[p]; ok && v > 0 && p != "" {
					r.Ratios[p] = round(mg / v)
				}
			}
		}
		table = append(table, r)
		return r
	}
	has := func(r *row, names ...string) bool {
		for _, n := range names {
			if _, ok := r.Values[n]; !ok {
				return false
			}
		}
		return true
	}
	verdict := func(r *row, ok bool, needs ...string) {
		switch {
		case !has(r, append(needs, "mediagraph")...):
			r.Verdict = "n/a"
		case ok:
			r.Verdict = "ok"
		default:
			r.Verdict = "MISSED"
		}
	}

	// 1. 1 MB uploads against the durable small-file limit.
	// The limit is the better of the two ways to write durably: through the
	// page cache then fsync, or past it (O_DIRECT, as mediagraph does on
	// local disk) then fsync.
	up := get("upload_1mb")
	if fsync != nil {
		up.Values["fsync loop"] = max(fsync["fsync_files_per_s"], fsync["direct_fsync_files_per_s"])
	}
	add(up, "1 MB PNG upload, 4 conns", "uploads/s", "fsync loop", "≥2× django, ≥2× yoga, ≥0.7× fsync loop")
	up.Notes = append(up.Notes, "mediagraph answers after the file and its directory are fsynced and the row is committed (SQLite WAL, synchronous=FULL); the peers do not sync",
		"limit: the better of the buffered and the O_DIRECT fsync loops")
	v := up.Values
	verdict(up, v["mediagraph"] >= 2*v["django"] && v["mediagraph"] >= 2*v["yoga"] && v["mediagraph"] >= 0.7*v["fsync loop"], "django", "yoga", "fsync loop")

	// 2. 20 MB uploads against dd conv=fdatasync.
	big := get("upload_20mb")
	if dd, ok := get("dd").Values["dd"]; ok {
		big.Values["dd fdatasync"] = max(dd, get("dd_direct").Values["dd"])
	}
	add(big, "20 MB upload, 2 conns", "MB/s", "dd fdatasync", "≥1× django, ≥0.7× dd")
	big.Notes = append(big.Notes, "mediagraph: a 20,000,000-byte PDF through createDocument (durable); the peers: a 20 MB PNG through their image upload (not synced)",
		"limit: the better of dd conv=fdatasync and dd oflag=direct conv=fdatasync")
	v = big.Values
	verdict(big, v["mediagraph"] >= v["django"] && v["mediagraph"] >= 0.7*v["dd fdatasync"], "django", "dd fdatasync")

	// 3. RSS during a 1 GiB upload.
	for _, m := range rss {
		mode, _ := m["mode"].(string)
		r := get("rss_" + mode)
		r.Values["mediagraph"], _ = m["delta_mib"].(float64)
		idle, _ := m["idle_mib"].(float64)
		peak, _ := m["peak_mib"].(float64)
		mbps, _ := m["mb_per_s"].(float64)
		r.Notes = append(r.Notes, fmt.Sprintf("idle %.1f MiB, peak %.1f MiB, stored at %.0f MB/s", idle, peak, mbps))
		add(r, "1 GiB upload, peak RSS above idle ("+mode+")", "MiB", "", "≤32 MiB")
		verdict(r, r.Values["mediagraph"] <= 32)
	}
	if len(rss) == 0 {
		r := get("rss_content-length")
		add(r, "1 GiB upload, peak RSS above idle", "MiB", "", "≤32 MiB")
		r.Verdict = "n/a"
	}

	// 4. List page.
	list := get("list")
	add(list, "list page of 50 (×3 images)", "req/s", "", "≥10× django, ≥3× yoga")
	v = list.Values
	verdict(list, v["mediagraph"] >= 10*v["django"] && v["mediagraph"] >= 3*v["yoga"], "django", "yoga")
	if n := counts["list/mediagraph"]; n > 1 {
		list.Notes = append(list.Notes, fmt.Sprintf("mean of %.0f rounds, the systems alternating", n))
	}
	sql := get("sql")
	add(sql, "SQL statements per list page", "stmts", "", "constant, ≤3")
	sqlConstant := true
	for _, n := range sql.Notes {
		if strings.Contains(n, "NOT constant") {
			sqlConstant = false
		}
	}
	verdict(sql, sql.Values["mediagraph"] <= 3 && sqlConstant)

	// 5. Media GET.
	media := get("media")
	add(media, "media GET 100 KB, 4 conns", "req/s", "nginx", "≥0.8× nginx")
	verdict(media, media.Values["mediagraph"] >= 0.8*media.Values["nginx"], "nginx")
	rng := get("range")
	add(rng, "media GET, full/Range 0-1023 alternating", "req/s", "nginx", "")
	if n := counts["media/mediagraph"]; n > 1 {
		media.Notes = append(media.Notes, fmt.Sprintf("mean of %.0f rounds, mediagraph and nginx alternating", n))
		rng.Notes = append(rng.Notes, fmt.Sprintf("mean of %.0f rounds, mediagraph and nginx alternating", n))
	}

	// 6. Start to ready.
	st := get("start")
	if start != nil {
		st.Values["mediagraph"], _ = start["median_ms"].(float64)
		st.Notes = append(st.Notes, fmt.Sprintf("runs (ms): %v", start["runs_ms"]))
	}
	add(st, "start to ready, fresh data dir (median of 5)", "ms", "", "≤150 ms")
	verdict(st, st.Values["mediagraph"] <= 150)

	// The machine's limits, as their own rows.
	if fsync != nil {
		r := get("fsync_loop")
		r.Values["fsync loop"] = fsync["fsync_files_per_s"]
		r.Values["direct fsync loop"] = fsync["direct_fsync_files_per_s"]
		r.Values["no-fsync loop"] = fsync["nofsync_files_per_s"]
		add(r, "limit: 1 MiB files, 4 writers, fsync / O_DIRECT+fsync / none", "files/s", "", "")
	}
	if dd, ok := get("dd").Values["dd"]; ok {
		r := &row{ID: "dd_fdatasync", Values: map[string]float64{"dd fdatasync": dd, "dd direct": get("dd_direct").Values["dd"]}}
		add(r, "limit: dd bs=1M count=1024 conv=fdatasync / oflag=direct", "MB/s", "", "")
	}

	printTable(table, meta)
	if *md != "" {
		if err := os.WriteFile(*md, []byte(markdown(table)), 0o644); err != nil {
			log.Fatal(err)
		}
	}
	if *out != "" {
		doc := map[string]any{"when": time.Now().UTC().Format(time.RFC3339), "machine": metaMap(meta), "rows": table}
		b, _ := json.MarshalIndent(doc, "", "  ")
		if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}

func printTable(table []*row, meta [][2]string) {
	cols := []string{"mediagraph", "django", "yoga", "apollo"}
	fmt.Printf("\n%-45s %-9s %10s %9s %9s %9s  %-20s %8s %8s %8s %8s  %-38s %s\n",
		"figure", "unit", "mediagraph", "django", "yoga", "apollo", "limit", "÷django", "÷yoga", "÷apollo", "÷limit", "target", "verdict")
	fmt.Println(strings.Repeat("─", 205))
	for _, r := range table {
		fmt.Printf("%-45s %-9s", trunc(r.Figure, 45), r.Unit)
		for i, c := range cols {
			w := 9
			if i == 0 {
				w = 10
			}
			fmt.Printf(" %*s", w, num(r.Values, c))
		}
		limit := ""
		switch {
		case r.Limit != "":
			limit = fmt.Sprintf("%s %s", r.Limit, num(r.Values, r.Limit))
		case r.ID == "fsync_loop":
			limit = fmt.Sprintf("%s / %s / %s", num(r.Values, "fsync loop"), num(r.Values, "direct fsync loop"), num(r.Values, "no-fsync loop"))
		case r.ID == "dd_fdatasync":
			limit = fmt.Sprintf("%s / %s", num(r.Values, "dd fdatasync"), num(r.Values, "dd direct"))
		}
		fmt.Printf("  %-20s", trunc(limit, 20))
		for _, p := range append(append([]string(nil), peers...), r.Limit) {
			s := "—"
			if x, ok := r.Ratios[p]; ok && p != "" {
				s = fmt.Sprintf("%.2f×", x)
			}
			fmt.Printf(" %8s", s)
		}
		fmt.Printf("  %-38s %s\n", r.Target, r.Verdict)
		if len(r.P50) > 0 {
			fmt.Printf("%-45s %-9s", "  p50 / p99", "ms")
			for i, c := range cols {
				w := 9
				if i == 0 {
					w = 10
				}
				s := "—"
				if p50, ok := r.P50[c]; ok {
					s = fmt.Sprintf("%s/%s", short(p50), short(r.P99[c]))
				}
				fmt.Printf(" %*s", w, s)
			}
			fmt.Println()
		}
		for _, n := range r.Notes {
			fmt.Printf("  · %s\n", n)
		}
	}
	for _, m := range meta {
		fmt.Printf("%s: %s\n", m[0], m[1])
	}
}

// markdown is the same table for BENCHMARKS.md.
func markdown(table []*row) string {
	var b strings.Builder
	cols := []string{"mediagraph", "django", "yoga", "apollo"}
	b.WriteString("| figure | unit | mediagraph | django | yoga | apollo | limit | ÷django | ÷yoga | ÷apollo | ÷limit | target | verdict |\n")
	b.WriteString("| --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | --- |\n")
	for _, r := range table {
		fmt.Fprintf(&b, "| %s | %s |", r.Figure, r.Unit)
		for _, c := range cols {
			s := num(r.Values, c)
			if p50, ok := r.P50[c]; ok {
				s += fmt.Sprintf("<br><sub>p50 %s / p99 %s ms</sub>", short(p50), short(r.P99[c]))
			}
			fmt.Fprintf(&b, " %s |", s)
		}
		limit := ""
		switch {
		case r.Limit != "":
			limit = fmt.Sprintf("%s %s", r.Limit, num(r.Values, r.Limit))
		case r.ID == "fsync_loop":
			limit = fmt.Sprintf("fsync %s / O_DIRECT %s / none %s", num(r.Values, "fsync loop"), num(r.Values, "direct fsync loop"), num(r.Values, "no-fsync loop"))
		case r.ID == "dd_fdatasync":
			limit = fmt.Sprintf("fdatasync %s / O_DIRECT %s", num(r.Values, "dd fdatasync"), num(r.Values, "dd direct"))
		}
		fmt.Fprintf(&b, " %s |", limit)
		for _, p := range append(append([]string(nil), peers...), r.Limit) {
			s := "—"
			if x, ok := r.Ratios[p]; ok && p != "" {
				s = fmt.Sprintf("%.2f×", x)
			}
			fmt.Fprintf(&b, " %s |", s)
		}
		v := r.Verdict
		if v == "MISSED" {
			v = "**MISSED**"
		}
		fmt.Fprintf(&b, " %s | %s |\n", r.Target, v)
	}
	return b.String()
}

func num(m map[string]float64, k string) string {
	v, ok := m[k]
	if !ok {
		return "—"
	}
	switch {
	case v >= 1000:
		return strconv.FormatFloat(math.Round(v), 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	default:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
}

func short(v float64) string {
	if v >= 100 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func trunc(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func round(x float64) float64 { return math.Round(x*100) / 100 }

func readJSON(path string, v any) {
	if path == "" {
		return
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	if err := json.Unmarshal(b, v); err != nil {
		log.Printf("%s: %v", path, err)
	}
}

func metaMap(meta [][2]string) map[string]string {
	m := map[string]string{}
	for _, kv := range meta {
		m[kv[0]] = kv[1]
	}
	return m
}
