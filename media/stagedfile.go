package media

import (
	"context"
	"io"
)

// Stager streams an upload into a staged file (Store does; tests wrap it
// to inject faults or count calls).
type Stager interface {
	Stage(ctx context.Context, r io.Reader, name string, limit int64) (*Staged, error)
}

var _ Stager = (*Store)(nil)

// StagedFile is a staged file handed on as an upload's content: a
// transport that stages file parts as they stream puts one in
// graphql.Upload.File, and whoever stores the upload takes the Staged back
// (Staged) instead of staging its bytes a second time. Reading it opens the
// staged bytes lazily. Closing it closes that reader only: the Staged
// stays its stager's to remove.
type StagedFile struct {
	staged *Staged
	rs     io.ReadSeekCloser
}

// File returns st as an upload's content.
func (st *Staged) File() *StagedFile { return &StagedFile{staged: st} }

// Staged returns the staged file, with what streaming learned of it.
func (f *StagedFile) Staged() *Staged { return f.staged }

func (f *StagedFile) open() error {
	if f.rs != nil {
		return nil
	}
	rs, err := f.staged.Open()
	if err != nil {
		return err
	}
	f.rs = rs
	return nil
}

// Read reads the staged bytes.
func (f *StagedFile) Read(p []byte) (int, error) {
	if err := f.open(); err != nil {
		return 0, err
	}
	return f.rs.Read(p)
}

// Seek moves within the staged bytes.
func (f *StagedFile) Seek(offset int64, whence int) (int64, error) {
	if err := f.open(); err != nil {
		return 0, err
	}
	return f.rs.Seek(offset, whence)
}

// Close closes the reader, if one was opened.
func (f *StagedFile) Close() error {
	if f.rs == nil {
		return nil
	}
	return f.rs.Close()
}
