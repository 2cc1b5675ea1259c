package media

import (
	"bytes"
	"errors"
	"testing"
	"testing/iotest"
)

// TestRenderReadFailureIsStorage: a read that fails in the middle of a
// decode (a bucket dropping the connection) is a storage failure, made
// again later, not an image that cannot be rendered (recorded for good);
// a file that ends early is the image's fault.
func TestRenderReadFailureIsStorage(t *testing.T) {
	img := renderPhotoJPEG(600, 400, 90)
	presets, _ := ParsePresets(DefaultPresets)
	classify := func(err error) string {
		var se *storageError
		switch {
		case err == nil:
			return "nil"
		case errors.As(err, &se) && errors.Is(err, ErrStorage):
			return "storage"
		}
		return "image"
	}
	_, err := makeRenditions(storageReader{iotest.TimeoutReader(bytes.NewReader(img)), "products/images/x.jpg"}, 1, presets, TypeJPEG, func(int, Rendition) {})
	if got := classify(err); got != "storage" {
		t.Errorf("a read failure mid-decode: %v (%s), want a storage failure", err, got)
	}
	_, err = makeRenditions(storageReader{bytes.NewReader(img[:len(img)/2]), "products/images/x.jpg"}, 1, presets, TypeJPEG, func(int, Rendition) {})
	if got := classify(err); got != "image" {
		t.Errorf("a truncated file: %v (%s), want the decoder's refusal", err, got)
	}
}
