package media

import (
	"bufio"
	"context"
	"fmt"
	"image"
	"path"
	"slices"
	"strings"

	// Image decoders for the allowed types.
	_ "image/gif"
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/webp"
)

// Rule is what one upload target accepts.
type Rule struct {
	Target       string   // "ProductImage.image", "Document.file", "Document.image"
	ContentTypes []string // sniffed types allowed
	// Extensions are the file-name extensions of the allowed types: for
	// documents the client's name must carry one of them (MatchExtension);
	// for images they are those of the stored names.
	Extensions []string
	MaxBytes   int64
	MinWidth   int   // 0: no minimum
	MinHeight  int   // 0: no minimum
	MaxPixels  int64 // 0: no cap
	// MatchExtension requires the client's file-name extension to be
	// allowed and to belong to the sniffed type.
	MatchExtension bool
}

// ImageRule accepts JPEG, PNG, GIF and WebP images.
func ImageRule(target string, maxBytes int64, minWidth, minHeight int, maxPixels int64) Rule {
	return Rule{
		Target:       target,
		ContentTypes: []string{TypeJPEG, TypePNG, TypeGIF, TypeWebP},
		Extensions:   ImageExtensions(),
		MaxBytes:     maxBytes,
		MinWidth:     minWidth,
		MinHeight:    minHeight,
		MaxPixels:    maxPixels,
	}
}

// ImageExtensions are the extensions of stored images' names.
func ImageExtensions() []string { return []string{"jpg", "png", "gif", "webp"} }

// DocumentRule accepts PDF, DOCX and plain-text (UTF-8) documents whose
// name carries the matching extension.
func DocumentRule(target string, maxBytes int64) Rule {
	return Rule{
		Target:         target,
		ContentTypes:   []string{TypePDF, TypeDOCX, TypeText},
		Extensions:     []string{"pdf", "docx", "txt"},
		MaxBytes:       maxBytes,
		MatchExtension: true,
	}
}

// checkDecoding is Store.Check with a full decode (every pixel) of every
// image instead of the structural verification of PNG, JPEG and WebP, and
// without the pixel budget: the reference the tests hold Store.Check to
// (the two must agree on every file).
func (r Rule) checkDecoding(s *Staged) error {
	if err := r.checkHeader(s); err != nil || !isImageType(s.ContentType) {
		return err
	}
	return fullDecode(s)
}

// fullDecode decodes every pixel of the staged image.
func fullDecode(s *Staged) error {
	f, err := s.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	if _, _, err := image.Decode(bufio.NewReaderSize(f, 64<<10)); err != nil {
		return refuse(CodeInvalidImage, "image cannot be decoded: it is damaged or truncated")
	}
	return nil
}

// checkHeader is the rule on what staging learned (size, type, name,
// dimensions from the header), before any image is proved whole.
func (r Rule) checkHeader(s *Staged) error {
	if s.Exceeded || s.Received > r.MaxBytes || s.Size > r.MaxBytes {
		return refuse(CodeFileTooLarge, "file is larger than %s (the limit for %s)", formatBytes(r.MaxBytes), r.Target)
	}
	if s.Size == 0 {
		return refuse(CodeUnsupportedFileType, "file is empty")
	}
	if !slices.Contains(r.ContentTypes, s.ContentType) {
		return refuse(CodeUnsupportedFileType, "file content is %s; %s accepts %s", describe(s.ContentType), r.Target, strings.Join(r.Extensions, ", "))
	}
	if r.MatchExtension {
		ext := strings.ToLower(strings.TrimPrefix(path.Ext(s.Name), "."))
		if ext == "jpeg" {
			ext = "jpg"
		}
		if !slices.Contains(r.Extensions, ext) {
			return refuse(CodeUnsupportedFileType, "file name %q must end in one of .%s", s.Name, strings.Join(r.Extensions, ", ."))
		}
		if ExtForContentType(s.ContentType) != ext {
			return refuse(CodeUnsupportedFileType, "file name ends in .%s but the content is %s", ext, describe(s.ContentType))
		}
	}
	if !isImageType(s.ContentType) {
		return nil
	}
	if s.Width <= 0 || s.Height <= 0 {
		return refuse(CodeInvalidImage, "image cannot be decoded")
	}
	if (r.MinWidth > 0 && s.Width < r.MinWidth) || (r.MinHeight > 0 && s.Height < r.MinHeight) {
		return refuse(CodeImageTooSmall, "image is %d×%d pixels; at least %d×%d required", s.Width, s.Height, r.MinWidth, r.MinHeight)
	}
	if r.MaxPixels > 0 && int64(s.Width)*int64(s.Height) > r.MaxPixels {
		return refuse(CodeImageTooLarge, "image is %d×%d pixels; at most %d pixels allowed", s.Width, s.Height, r.MaxPixels)
	}
	return nil
}

// Check applies rule to a staged file and returns nil or a
// *ValidationError. Image dimensions and the pixel cap are decided from the
// header first; then the image is proved whole: PNG, JPEG and WebP by their
// structure (verifyImage, usually while they were staged), GIF by a full
// decode, which shares the store's pixel budget so that concurrent large
// images wait for each other instead of holding their pixels all at once.
func (s *Store) Check(ctx context.Context, rule Rule, st *Staged) error {
	if err := rule.checkHeader(st); err != nil || !isImageType(st.ContentType) {
		return err
	}
	if st.ContentType != TypeGIF { // verified without decoding its pixels
		return verifyWhole(st)
	}
	weight := min(int64(st.Width)*int64(st.Height), s.decodeBudget)
	if err := s.decodeGate.Acquire(ctx, weight); err != nil {
		return err
	}
	defer s.decodeGate.Release(weight)
	return verifyWhole(st)
}

// verifyWhole proves the staged image is whole (verifyImage; a GIF is
// decoded there): from the verdict reached while it was staged, or by
// reading it back.
func verifyWhole(s *Staged) error {
	if s.verifiedAs != "" && s.verifiedAs == s.ContentType {
		if s.verifyErr != nil {
			return refuse(CodeInvalidImage, "image cannot be decoded: it is damaged or truncated")
		}
		return nil
	}
	f, err := s.Open()
	if err != nil {
		return fmt.Errorf("media: opening staged file: %w", err)
	}
	defer f.Close()
	if err := verifyImage(s.ContentType, f); err != nil {
		return refuse(CodeInvalidImage, "image cannot be decoded: it is damaged or truncated")
	}
	return nil
}

func describe(contentType string) string {
	switch contentType {
	case typeBin, "":
		return "not a recognised file type"
	}
	return contentType
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
