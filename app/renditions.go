package app

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"mediagraph/graph"
	"mediagraph/media"
)

// BackfillProgress is what a backfill has done so far.
type BackfillProgress struct {
	Images int // images visited
	Made   int // images whose variants were (re)made
	Failed int // images whose variants could not be made
}

// Backfill makes the variants that are missing: with pendingOnly, those of
// the images whose renditions were never recorded as made (what a crash or
// a full queue left undone: the start-up pass); otherwise of every image,
// checking that each variant in force is stored (`mediagraph renditions`,
// after presets were added). progress, if set, is called after each image.
// An image that cannot be rendered is recorded and counted, not an error.
func (s *Server) Backfill(ctx context.Context, pendingOnly bool, progress func(BackfillProgress)) (BackfillProgress, error) {
	var p BackfillProgress
	if len(s.cfg.Renditions) == 0 {
		return p, nil
	}
	err := graph.EachImage(ctx, s.Client, pendingOnly, func(src media.Source, pending bool) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.Images++
		var err error
		made := pending
		if pending {
			err = s.Media.MakeVariants(ctx, src)
		} else {
			made, err = s.Media.EnsureVariants(ctx, src)
		}
		switch {
		case errors.Is(err, media.ErrUnrenderable):
			p.Failed++
		case err != nil:
			return err
		case made:
			p.Made++
		}
		if progress != nil {
			progress(p)
		}
		return nil
	})
	return p, err
}

// MakePendingVariants is the start-up pass: it makes, in the background of
// a starting server, the variants of the images whose renditions were never
// recorded as made, and logs what it did.
func (s *Server) MakePendingVariants(ctx context.Context) {
	start := time.Now()
	p, err := s.Backfill(ctx, true, nil)
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Warn("media: making pending variants", "err", err, "images", p.Images)
	case p.Images > 0:
		s.log.Info("media: made pending variants", "images", p.Images, "made", p.Made, "unrenderable", p.Failed, "took", time.Since(start).Round(time.Millisecond).String())
	}
}

// BackfillRenditions opens the database and storage, makes every missing
// variant, printing a progress line now and then, and returns (the
// `mediagraph renditions` command).
func BackfillRenditions(ctx context.Context, cfg *Config, log *slog.Logger, progress func(BackfillProgress, bool)) error {
	srv, err := BuildServer(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	last := time.Now()
	p, err := srv.Backfill(ctx, false, func(p BackfillProgress) {
		if time.Since(last) >= time.Second {
			last = time.Now()
			progress(p, false)
		}
	})
	progress(p, true)
	return err
}
