package media

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/gif"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func stageGIF(t *testing.T, s *Store, w, h int) *Staged {
	t.Helper()
	var buf bytes.Buffer
	gif.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)), nil)
	st, err := s.Stage(context.Background(), &buf, "a.gif", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestCheckDecodeBudget: full decodes (GIF) wait for the pixel budget, and
// an image larger than the whole budget still gets through alone.
func TestCheckDecodeBudget(t *testing.T) {
	s, err := OpenWith(context.Background(), t.TempDir(), Options{DecodeBudget: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	rule := ImageRule("img", 1<<20, 1, 1, 1<<30)
	big := stageGIF(t, s, 400, 400) // 160,000 pixels: more than the budget
	if err := s.Check(context.Background(), rule, big); err != nil {
		t.Fatalf("an image over the budget alone: %v", err)
	}
	// With the budget taken, a decode waits (here until its context ends).
	if err := s.decodeGate.Acquire(context.Background(), 100_000); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := s.Check(ctx, rule, stageGIF(t, s, 300, 300)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Check with the budget taken: %v, want it to wait", err)
	}
	s.decodeGate.Release(100_000)
	// Header refusals need no budget.
	if err := s.Check(context.Background(), ImageRule("img", 1<<20, 500, 500, 0), stageGIF(t, s, 300, 300)); err == nil {
		t.Fatal("a 300×300 image passed a 500×500 minimum")
	}
}

// TestDirSyncCoalesces: callers arriving while a directory sync runs share
// the next one, and each waits for a sync that started after it arrived.
func TestDirSyncCoalesces(t *testing.T) {
	d := newDirSync()
	var syncs, inFlight, maxInFlight atomic.Int32
	started := make(chan struct{})
	release := make(chan struct{})
	slow := func() error {
		n := inFlight.Add(1)
		if n > maxInFlight.Load() {
			maxInFlight.Store(n)
		}
		if syncs.Add(1) == 1 {
			close(started)
			<-release
		}
		inFlight.Add(-1)
		return nil
	}
	var wg sync.WaitGroup
	wg.Go(func() { d.sync(slow) })
	<-started
	for range 8 { // all arrive while the first sync runs
		wg.Go(func() { d.sync(slow) })
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	if n := syncs.Load(); n != 2 {
		t.Errorf("%d syncs for 9 callers, 8 of them concurrent: want 2", n)
	}
	if maxInFlight.Load() != 1 {
		t.Error("syncs of one directory overlapped")
	}
	if err := d.sync(func() error { return errors.New("disk gone") }); err == nil {
		t.Error("a failed sync reported success")
	}
}
