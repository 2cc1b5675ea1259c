// Package media owns mediagraph's files: it streams uploads into staged
// temporary files while hashing and sniffing them (Stage), checks them by
// their content against a Rule (type, size, image dimensions), stores them
// durably under server-generated keys (Put), deletes and sweeps them, and
// serves them over HTTP (Handler). It knows nothing of GraphQL or of the
// database: callers keep a File's fields in their rows.
//
// Local disk is served through os.Root and written with fsync of the file
// and its directory; any other gocloud.dev/blob bucket (s3://, mem://, …)
// goes through blob. Errors start with "media: "; a refused file is a
// *ValidationError, a missing key ErrNotFound (Stat, Open), a failure of
// the disk or bucket itself ErrStorage.
package media

import (
	"errors"
	"fmt"
	"syscall"
)

// Code is why a file was refused.
type Code string

// Refusal codes.
const (
	CodeFileTooLarge        Code = "FILE_TOO_LARGE"
	CodeUnsupportedFileType Code = "UNSUPPORTED_FILE_TYPE"
	CodeInvalidImage        Code = "INVALID_IMAGE"
	CodeImageTooSmall       Code = "IMAGE_TOO_SMALL"
	CodeImageTooLarge       Code = "IMAGE_TOO_LARGE"
)

// ValidationError is the refusal of one file by a Rule. Media leaves Field
// empty; the caller names the argument that carried the file.
type ValidationError struct {
	Field   string
	Code    Code
	Message string // safe to show to the client
}

func (e *ValidationError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("media: %s: %s", e.Field, e.Message)
	}
	return "media: " + e.Message
}

func refuse(code Code, format string, args ...any) *ValidationError {
	return &ValidationError{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrNotFound is returned for a key that is not stored.
var ErrNotFound = errors.New("media: not found")

// ErrStorage marks a failure of the storage itself (a disk or bucket
// error), as opposed to a refused or broken upload: errors.Is(err,
// ErrStorage). IsFull tells whether it ran out of space.
var ErrStorage = errors.New("media: storage failure")

// storageError is a storage failure during op.
type storageError struct {
	op  string
	err error
}

func (e *storageError) Error() string   { return "media: " + e.op + ": " + e.err.Error() }
func (e *storageError) Unwrap() []error { return []error{ErrStorage, e.err} }

func storageErr(op string, err error) error { return &storageError{op: op, err: err} }

// IsFull reports whether err is the storage running out of space (or of
// quota).
func IsFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// File is the record of a stored file: what the caller keeps in its row.
type File struct {
	Key         string // storage key, e.g. "products/images/….png"
	Name        string // the client's file name, sanitized
	Size        int64
	ContentType string // sniffed
	SHA256      string // lowercase hex
	Width       int    // images only: as displayed (orientation applied)
	Height      int
	Alpha       bool // images only: it may hold transparency (its variants are PNG)
}

// Content types mediagraph recognises, with the extension of their stored
// names.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeGIF  = "image/gif"
	TypeWebP = "image/webp"
	TypePDF  = "application/pdf"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeText = "text/plain; charset=utf-8"
	typeBin  = "application/octet-stream"
)

var extensions = map[string]string{
	TypeJPEG: "jpg",
	TypePNG:  "png",
	TypeGIF:  "gif",
	TypeWebP: "webp",
	TypePDF:  "pdf",
	TypeDOCX: "docx",
	TypeText: "txt",
}

var contentTypes = func() map[string]string {
	m := make(map[string]string, len(extensions))
	for t, ext := range extensions {
		m[ext] = t
	}
	return m
}()

// ContentTypeForExt is the content type served for a stored name's
// extension: the server chose the extension from the sniffed type, so this
// never guesses.
func ContentTypeForExt(ext string) string {
	if t, ok := contentTypes[ext]; ok {
		return t
	}
	return typeBin
}

// ExtForContentType is the extension of stored names for a sniffed type
// ("bin" for anything else).
func ExtForContentType(contentType string) string {
	if ext, ok := extensions[contentType]; ok {
		return ext
	}
	return "bin"
}

func isImageType(contentType string) bool {
	switch contentType {
	case TypeJPEG, TypePNG, TypeGIF, TypeWebP:
		return true
	}
	return false
}
