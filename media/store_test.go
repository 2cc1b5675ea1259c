package media_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"mediagraph/media"
)

// TestStoreReadBack: on every backend, Stat and Open of a stored key give
// its size and bytes, of a missing one ErrNotFound; keys are unique, carry
// the prefix and the detected type's extension, and Put consumes the
// Staged. A file of no type media serves is not stored: its key would be
// neither served nor swept.
func TestStoreReadBack(t *testing.T) {
	for name, newStore := range backends(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t)
			if s.Local() != (name == "disk") {
				t.Fatalf("Local() = %v", s.Local())
			}
			bodies := map[string][]byte{"pdf": minimalPDF, "docx": docxOf(t), "txt": []byte("words\n"), "webp": webpOf(300, 300)}
			seen := map[string]bool{}
			for ext, body := range bodies {
				for range 3 {
					st, err := s.Stage(ctx, bytes.NewReader(body), "upload."+ext, 1<<20)
					if err != nil {
						t.Fatal(err)
					}
					f, err := s.Put(ctx, "documents/", st)
					if err != nil {
						t.Fatal(err)
					}
					if err := st.Close(); err != nil {
						t.Fatalf("Close after Put: %v", err)
					}
					if _, err := st.Open(); err == nil {
						t.Fatal("a consumed Staged still opens")
					}
					rest, ok := strings.CutPrefix(f.Key, "documents/")
					base, gotExt, _ := strings.Cut(rest, ".")
					if !ok || gotExt != ext || len(base) != 26 || strings.Trim(base, "abcdefghijklmnopqrstuvwxyz234567") != "" || seen[f.Key] {
						t.Fatalf("key %q for a .%s", f.Key, ext)
					}
					seen[f.Key] = true
					info, err := s.Stat(ctx, f.Key)
					if err != nil || info.Size != int64(len(body)) || info.Key != f.Key || time.Since(info.ModTime) > time.Hour {
						t.Fatalf("Stat = %+v, %v", info, err)
					}
					r, err := s.Open(ctx, f.Key)
					if err != nil {
						t.Fatal(err)
					}
					got, err := io.ReadAll(r)
					r.Close()
					if err != nil || !bytes.Equal(got, body) {
						t.Fatalf("read back %d bytes (%v), stored %d", len(got), err, len(body))
					}
				}
			}
			for _, key := range []string{"documents/missing.pdf", "documents", "../x", ".tmp/x", ""} {
				if _, err := s.Stat(ctx, key); !errors.Is(err, media.ErrNotFound) {
					t.Errorf("Stat(%q) = %v, want ErrNotFound", key, err)
				}
				if _, err := s.Open(ctx, key); !errors.Is(err, media.ErrNotFound) {
					t.Errorf("Open(%q) = %v, want ErrNotFound", key, err)
				}
			}
			if err := s.Delete(ctx, "documents/missing.pdf", "never/was.txt"); err != nil {
				t.Fatalf("Delete of missing keys: %v", err)
			}
			if _, err := s.Put(ctx, "../outside/", stage(t, s, strings.NewReader("x"), "x.txt", 10)); err == nil {
				t.Fatal("Put accepted a prefix leaving the store")
			}
			for _, prefix := range []string{"", "/", "documents", "documents//", ".tmp/"} {
				if f, err := s.Put(ctx, prefix, stage(t, s, strings.NewReader("x"), "x.txt", 10)); err == nil || !strings.HasPrefix(err.Error(), "media: ") {
					t.Errorf("Put under %q: %+v, %v", prefix, f, err)
				}
			}
			bin := stage(t, s, bytes.NewReader(exe), "setup.exe", 1<<20)
			if f, err := s.Put(ctx, "documents/", bin); err == nil || !strings.HasPrefix(err.Error(), "media: ") {
				t.Errorf("Put of an executable: %+v, %v", f, err)
			}
			if err := bin.Close(); err != nil {
				t.Errorf("Close of a Staged that Put refused: %v", err)
			}
		})
	}
}

// TestPutLocalLeavesNoTemporary: on disk, a stored file is renamed out of
// .tmp, which is left empty, and its bytes are where the key says.
func TestPutLocalLeavesNoTemporary(t *testing.T) {
	s, dir := localStore(t)
	img := pngOf(t, 300, 300)
	f := put(t, s, "products/images/", img, "a.png")
	if left := temporaries(t, dir); len(left) != 0 {
		t.Fatalf("temporaries left after Put: %v", left)
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(f.Key)))
	if err != nil || !bytes.Equal(onDisk, img) {
		t.Fatalf("bytes on disk: %d, %v", len(onDisk), err)
	}
	info, _ := os.Stat(filepath.Join(dir, filepath.FromSlash(f.Key)))
	if info.Mode().Perm() != 0o644 {
		t.Errorf("mode %v", info.Mode())
	}
	// A directory removed behind the store's back is made again.
	if err := os.RemoveAll(filepath.Join(dir, "products")); err != nil {
		t.Fatal(err)
	}
	g := put(t, s, "products/images/", img, "b.png")
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(g.Key))); err != nil {
		t.Fatalf("Put after its directory was removed: %v", err)
	}
}

// TestPutConcurrent: concurrent Puts into one directory all land, under
// distinct keys.
func TestPutConcurrent(t *testing.T) {
	s, dir := localStore(t)
	var mu sync.Mutex
	keys := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			body := []byte(strings.Repeat("x", i+1))
			st, err := s.Stage(context.Background(), bytes.NewReader(body), "a.txt", 1<<10)
			if err != nil {
				t.Error(err)
				return
			}
			f, err := s.Put(context.Background(), "documents/", st)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			keys[f.Key] = true
			mu.Unlock()
		})
	}
	wg.Wait()
	entries, _ := os.ReadDir(filepath.Join(dir, "documents"))
	if len(keys) != 32 || len(entries) != 32 {
		t.Fatalf("%d keys, %d files for 32 Puts", len(keys), len(entries))
	}
}

// TestSweepAges: on disk, with real modification times, only unreferenced
// files older than the grace go; temporaries and dotfiles are never
// listed.
func TestSweepAges(t *testing.T) {
	ctx := context.Background()
	s, dir := localStore(t)
	oldOrphan := put(t, s, "products/images/", pngOf(t, 10, 10), "a.png")
	oldKept := put(t, s, "products/images/", pngOf(t, 10, 10), "b.png")
	youngOrphan := put(t, s, "documents/", minimalPDF, "c.pdf")
	old := time.Now().Add(-2 * time.Hour)
	for _, f := range []media.File{oldOrphan, oldKept} {
		if err := os.Chtimes(filepath.Join(dir, f.Key), old, old); err != nil {
			t.Fatal(err)
		}
	}
	stray := filepath.Join(dir, ".tmp", "old.part")
	os.WriteFile(stray, []byte("partial"), 0o600)
	os.Chtimes(stray, old, old)
	var asked []string
	referenced := func(_ context.Context, keys []string) (map[string]bool, error) {
		asked = append(asked, keys...)
		return map[string]bool{oldKept.Key: true}, nil
	}
	n, err := s.Sweep(ctx, time.Hour, referenced)
	if err != nil || n != 1 {
		t.Fatalf("Sweep = %d, %v; want 1", n, err)
	}
	if len(asked) != 2 {
		t.Errorf("asked about %v, want the two old files only", asked)
	}
	for key, want := range map[string]bool{oldOrphan.Key: false, oldKept.Key: true, youngOrphan.Key: true} {
		if _, err := s.Stat(ctx, key); (err == nil) != want {
			t.Errorf("%s present=%v after sweep, want %v", key, err == nil, want)
		}
	}
	if _, err := os.Stat(stray); err != nil {
		t.Error("Sweep removed a temporary (RemoveTemporaries' job)")
	}
}

// TestSweepBatches: Sweep asks about at most 500 keys at once.
func TestSweepBatches(t *testing.T) {
	ctx := context.Background()
	s, err := media.Open(ctx, "mem://")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const files = 1203
	for range files {
		put(t, s, "images/", []byte("words\n"), "a.txt")
	}
	var batches []int
	keep := ""
	n, err := s.Sweep(ctx, -time.Minute, func(_ context.Context, keys []string) (map[string]bool, error) {
		batches = append(batches, len(keys))
		if keep == "" {
			keep = keys[0]
		}
		return map[string]bool{keep: true}, nil
	})
	if err != nil || n != files-1 {
		t.Fatalf("Sweep = %d, %v; want %d", n, err, files-1)
	}
	total := 0
	for _, b := range batches {
		if b > 500 || b == 0 {
			t.Fatalf("batches %v", batches)
		}
		total += b
	}
	if total != files {
		t.Fatalf("asked about %d keys, want %d", total, files)
	}
}

// TestRemoveTemporaries: on disk, everything staged and left behind goes,
// whatever its age, and the store goes on working.
func TestRemoveTemporaries(t *testing.T) {
	s, dir := localStore(t)
	for range 2 {
		if _, err := s.Stage(context.Background(), strings.NewReader("half an upload"), "a.txt", 100); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(dir, ".tmp", "crashed.part"), []byte("x"), 0o600)
	os.MkdirAll(filepath.Join(dir, ".tmp", "sub"), 0o700)
	n, err := s.RemoveTemporaries()
	if err != nil || n != 4 {
		t.Fatalf("RemoveTemporaries = %d, %v; want 4", n, err)
	}
	if left := temporaries(t, dir); len(left) != 0 {
		t.Fatalf("left: %v", left)
	}
	if err := s.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	put(t, s, "documents/", minimalPDF, "a.pdf")
}

// TestOpenURLs: the forms of storage URL.
func TestOpenURLs(t *testing.T) {
	ctx := context.Background()
	abs := filepath.Join(t.TempDir(), "deep", "media")
	for _, url := range []string{abs, "file://" + abs} {
		s, err := media.Open(ctx, url)
		if err != nil {
			t.Fatalf("Open(%q): %v", url, err)
		}
		if !s.Local() || s.Ping(ctx) != nil {
			t.Fatalf("Open(%q): local %v", url, s.Local())
		}
		s.Close()
	}
	t.Chdir(t.TempDir())
	s, err := media.Open(ctx, "data/media")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat("data/media/.tmp"); err != nil {
		t.Fatalf("relative root: %v", err)
	}
	if _, err := media.Open(ctx, "nosuchscheme://bucket"); err == nil || !strings.HasPrefix(err.Error(), "media: ") {
		t.Fatalf("unknown scheme: %v", err)
	}
}
