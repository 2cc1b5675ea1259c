package graph

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"mediagraph/ent"
	"mediagraph/media"
)

// fileArg is one Upload argument of a mutation: where it sits in the
// arguments (for extensions.field), its target and the rule in force.
type fileArg struct {
	field  string
	upload *graphql.Upload
	target *uploadTarget
	rule   media.Rule
}

// storeFiles checks every file against its rule and, only if all pass,
// stores them all durably. It returns the stored files in argument order;
// on any failure nothing stays stored. Every refused file is reported.
func (r *Resolver) storeFiles(ctx context.Context, args []fileArg) ([]media.File, error) {
	staged := make([]*media.Staged, len(args))
	defer func() {
		for _, s := range staged {
			if s != nil {
				s.Close()
			}
		}
	}()
	var refusals []error
	for i, a := range args {
		s, err := r.stage(ctx, a)
		if err != nil {
			return nil, err
		}
		staged[i] = s
		if err := r.Media.Check(ctx, a.rule, s); err != nil {
			var verr *media.ValidationError
			if !errors.As(err, &verr) {
				return nil, fmt.Errorf("checking %s: %w", a.field, err)
			}
			verr.Field = a.field
			refusals = append(refusals, verr)
			r.Metrics.ObserveUpload(a.rule.Target, string(verr.Code), s.Size)
		}
	}
	if len(refusals) > 0 {
		// Every refused file is reported, in argument order (the returned
		// error goes last).
		for _, err := range refusals[:len(refusals)-1] {
			graphql.AddError(ctx, err)
		}
		return nil, refusals[len(refusals)-1]
	}
	files := make([]media.File, 0, len(args))
	for i, a := range args {
		f, err := r.Media.Put(ctx, a.target.prefix, staged[i])
		if err != nil {
			r.Metrics.StorageError("put")
			r.removeFiles(ctx, files)
			r.observeUploads(args, staged, "failed")
			return nil, fmt.Errorf("storing %s: %w", a.field, err)
		}
		files = append(files, f)
	}
	return files, nil
}

// stage returns the staged file behind an upload, staging it now when it
// did not come through mediagraph's multipart transport.
func (r *Resolver) stage(ctx context.Context, a fileArg) (*media.Staged, error) {
	if f, ok := a.upload.File.(*media.StagedFile); ok {
		return f.Staged(), nil // the multipart transport staged it as it streamed
	}
	s, err := r.Media.Stage(ctx, a.upload.File, a.upload.Filename, a.rule.MaxBytes)
	if err != nil {
		return nil, fmt.Errorf("staging %s: %w", a.field, err)
	}
	return s, nil
}

// removeFiles deletes stored files whose rows were not written. A failure
// is logged: the sweep removes what is left.
func (r *Resolver) removeFiles(ctx context.Context, files []media.File) {
	keys := make([]string, 0, len(files))
	for _, f := range files {
		keys = append(keys, f.Key)
	}
	r.removeKeys(ctx, keys...)
}

// removeKeys deletes files after the rows naming them are gone. It runs on
// a context that outlives the request, since the rows are already
// committed.
func (r *Resolver) removeKeys(ctx context.Context, keys ...string) {
	if len(keys) == 0 {
		return
	}
	if err := r.Media.Delete(context.WithoutCancel(ctx), keys...); err != nil {
		r.Metrics.StorageError("delete")
		r.Log.ErrorContext(ctx, "media: delete failed; the sweep will retry", "keys", keys, "err", err)
	}
}

// withTx runs fn in a transaction. Files are stored before and removed
// after; a transaction never spans file I/O.
func (r *Resolver) withTx(ctx context.Context, fn func(tx *ent.Tx) error) error {
	tx, err := r.Client.Tx(ctx)
	if err != nil {
		return fmt.Errorf("starting transaction: %w", err)
	}
	if err := fn(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return errors.Join(err, rerr)
		}
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("committing transaction: %w", err)
	}
	return nil
}

// withFilesTx stores the files, then runs fn in a transaction with them;
// if the transaction fails the files are removed, so that no file outlives
// a failed mutation.
func (r *Resolver) withFilesTx(ctx context.Context, args []fileArg, fn func(tx *ent.Tx, files []media.File) error) error {
	stored := time.Now()
	files, err := r.storeFiles(ctx, args)
	if err != nil {
		return err
	}
	err = r.withTx(ctx, func(tx *ent.Tx) error {
		if err := fn(tx, files); err != nil {
			return err
		}
		// A sweep (of any replica) may take a stored file without a row
		// for an orphan once it is older than the grace period: never
		// commit a row for a file that old.
		if len(files) > 0 && r.MaxCommitDelay > 0 && time.Since(stored) > r.MaxCommitDelay {
			return fmt.Errorf("files stored %s ago, longer than the sweep allows: not committing", time.Since(stored).Round(time.Millisecond))
		}
		return nil
	})
	if err != nil {
		r.removeFiles(ctx, files)
		r.observeStored(args, files, "failed")
		return err
	}
	r.observeStored(args, files, "stored")
	r.render(ctx, args, files)
	return nil
}

// render has the renditions of the stored images made, now that their
// rows are committed: before returning when the caller must wait for them
// (WaitForVariants), else in the background. A failure is logged: the
// variants are then made on their first GET or by the backfill, and an
// image that cannot be rendered is recorded as such (the original stands
// in for its variants).
func (r *Resolver) render(ctx context.Context, args []fileArg, files []media.File) {
	if len(r.Presets) == 0 {
		return
	}
	for i, f := range files {
		t := args[i].target
		if !t.image {
			continue
		}
		src := media.Source{Key: f.Key, Width: f.Width, Height: f.Height, VariantType: media.VariantType(f.ContentType, f.Alpha)}
		if !r.WaitForVariants {
			r.Media.Enqueue(src)
			continue
		}
		if err := r.Media.MakeVariants(ctx, src); err != nil && !errors.Is(err, media.ErrUnrenderable) {
			r.Log.ErrorContext(ctx, "media: making variants failed; the backfill will retry", "key", f.Key, "err", err)
		}
	}
}

func (r *Resolver) observeStored(args []fileArg, files []media.File, outcome string) {
	for i, f := range files {
		r.Metrics.ObserveUpload(args[i].rule.Target, outcome, f.Size)
	}
}

func (r *Resolver) observeUploads(args []fileArg, staged []*media.Staged, outcome string) {
	for i, s := range staged {
		r.Metrics.ObserveUpload(args[i].rule.Target, outcome, s.Size)
	}
}

func intPtr(v int) *int {
	if v == 0 {
		return nil
	}
	return &v
}
