package media

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestDirectWriter: whatever mix of aligned and unaligned writes it gets,
// the file holds exactly the bytes written, and reads back at any offset
// once stopped.
func TestDirectWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]byte, 3*readAheadSize+777)
	for i := range src {
		src[i] = byte(rng.Uint32())
	}
	aligned := make([]byte, readAheadSize) // a large heap object: page-aligned
	for _, tc := range []struct {
		name  string
		sizes []int
	}{
		{"whole buffers, then a tail", []int{readAheadSize, readAheadSize, readAheadSize, 777}},
		{"unaligned first", []int{100, readAheadSize, readAheadSize, readAheadSize + 677}},
		{"a tail only", []int{777}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.Create(filepath.Join(t.TempDir(), "staged"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			w := newDirectWriter(f)
			off := 0
			for _, n := range tc.sizes {
				p := src[off : off+n]
				if n <= len(aligned) {
					p = aligned[:n]
					copy(p, src[off:off+n])
				}
				if m, err := w.Write(p); err != nil || m != n {
					t.Fatalf("Write(%d bytes) = %d, %v", n, m, err)
				}
				off += n
			}
			w.stop()
			got := make([]byte, off)
			if _, err := f.ReadAt(got, 0); err != nil && err != io.EOF {
				t.Fatal(err)
			}
			if !bytes.Equal(got, src[:off]) {
				t.Fatal("the file does not hold the bytes written")
			}
			var one [3]byte
			if _, err := f.ReadAt(one[:], 5); err != nil || !bytes.Equal(one[:], src[5:8]) {
				t.Fatalf("unaligned read after stop: %v", err)
			}
		})
	}
}

// TestDirectWriterRefusedInFlight: when the file system refuses a direct
// write that is already in the background (EINVAL), the bytes are written
// again through the page cache, every batch's buffers are handed back once,
// and the file holds exactly what was written.
func TestDirectWriterRefusedInFlight(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "staged"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := newDirectWriter(f)
	if !w.direct {
		t.Skip("this file system does not take O_DIRECT")
	}
	w.pwrite = func(*os.File, [][]byte, int64) (int, error) { return 0, syscall.EINVAL }
	rng := rand.New(rand.NewPCG(5, 6))
	var want []byte
	returned := 0
	for range 3 {
		batch := [][]byte{make([]byte, readAheadSize), make([]byte, readAheadSize)}
		for _, b := range batch {
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			want = append(want, b...)
		}
		if err := w.writeBuffers(batch, func() { returned++ }); err != nil {
			t.Fatal(err)
		}
	}
	tail := []byte("the unaligned tail")
	want = append(want, tail...)
	if _, err := w.Write(tail); err != nil {
		t.Fatal(err)
	}
	if err := w.stop(); err != nil {
		t.Fatal(err)
	}
	if returned != 3 {
		t.Errorf("buffers handed back %d times, want 3", returned)
	}
	got, err := os.ReadFile(f.Name())
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("the file does not hold the bytes written (%d bytes, want %d; %v)", len(got), len(want), err)
	}
}

// TestStageLocalExactBytes: an upload staged on local disk (past the page
// cache where the file system allows) is stored byte for byte, whatever
// the sizes of the reads that deliver it. (Random bytes after a PDF
// signature, a byte of text alone: Put stores only types media serves.)
func TestStageLocalExactBytes(t *testing.T) {
	s, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rng := rand.New(rand.NewPCG(3, 4))
	for _, size := range []int{1, 4095, 4096, readAheadSize, readAheadSize + 1, 1<<20 + 1234} {
		src := make([]byte, size)
		for i := range src {
			src[i] = byte(rng.Uint32())
		}
		if size < len("%PDF-") {
			copy(src, "words") // too short to sniff as a PDF: text
		} else {
			copy(src, "%PDF-")
		}
		st, err := s.Stage(context.Background(), &choppyReader{r: bytes.NewReader(src), rng: rng}, "x.pdf", 2<<20)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(src)
		if st.Size != int64(size) || st.SHA256 != hex.EncodeToString(sum[:]) {
			t.Errorf("%d bytes: staged %d bytes, sha256 %s", size, st.Size, st.SHA256)
		}
		file, err := s.Put(context.Background(), "documents/", st)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := s.Open(context.Background(), file.Key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, src) {
			t.Errorf("%d bytes: stored file differs (%d bytes read, %v)", size, len(got), err)
		}
	}
}

// choppyReader returns reads of random small sizes.
type choppyReader struct {
	r   io.Reader
	rng *rand.Rand
}

func (c *choppyReader) Read(p []byte) (int, error) {
	return c.r.Read(p[:min(len(p), 1+c.rng.IntN(9000))])
}
