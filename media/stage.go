package media

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"image"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Staged is an upload written to temporary storage, with what was learned
// while streaming it. Close removes it; Put consumes it.
type Staged struct {
	Name string // the client's file name, sanitized
	// Size is the count of bytes staged, as they will be stored: with
	// Options.StripMetadata an image's metadata is already gone. When
	// Exceeded, at most limit+1.
	Size int64
	// Received is the count of bytes sent (at most limit+1): the rules'
	// size limits are on what the client sent, as uploadRules tells it,
	// not on what is left once metadata is stripped.
	Received    int64
	Exceeded    bool   // the stream was longer than the limit given to Stage (counted in bytes sent)
	SHA256      string // lowercase hex of the staged content (meaningless if Exceeded)
	ContentType string // sniffed from the content
	Ext         string // extension of the stored name, from ContentType
	// Width and Height are an image's size as displayed, from its header
	// (turned a quarter when Orientation says so); 0 if it does not
	// decode. Rules on dimensions apply to them.
	Width  int
	Height int
	// Orientation is a JPEG's EXIF orientation (1–8: how to turn the
	// stored pixels to display them, as browsers do); 1 for anything else.
	Orientation int
	// Alpha is whether an image may hold transparency, from its header: a
	// PNG with an alpha channel or a tRNS chunk, a WebP with alpha or
	// lossless, any GIF; never a JPEG.
	Alpha bool

	tmp      *os.Root // the root holding the temporary
	tmpName  string   // its name within tmp
	consumed bool     // moved away by Put

	// verifiedAs is the image type the bytes were verified as while they
	// were staged (imageChecker), with the result in verifyErr; empty when
	// they were not.
	verifiedAs string
	verifyErr  error
}

const (
	writebackChunk = 4 << 20
	sniffLen       = 512
	headLen        = 64 << 10 // kept in memory: sniffing and image headers
	maxZipEntries  = 10000
	maxNameBytes   = 255
)

// Stage streams r into a temporary file, hashing, sniffing and counting it,
// never holding more of it than its read-ahead buffers. After limit bytes it stops
// keeping the content, marks the Staged Exceeded and reads r to its end (so
// that a multipart stream can go on to its next part). A read error from r
// removes the temporary and is returned. With Options.StripMetadata, an
// image loses its metadata on the way (metadataFilter): what is staged,
// hashed and counted is what will be stored.
func (s *Store) Stage(ctx context.Context, r io.Reader, name string, limit int64) (*Staged, error) {
	tmpName := s.tmpPrefix + randomName() + ".part"
	// World-readable once stored, like Django's FILE_UPLOAD_PERMISSIONS
	// 0o644, so that a web server or CDN origin can serve the media root;
	// while staged it sits in a directory only the server can enter.
	f, err := s.tmp.OpenFile(tmpName, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, storageErr("creating temporary", err)
	}
	st := &Staged{Name: SanitizeName(name), tmp: s.tmp, tmpName: tmpName}
	var w io.Writer = f
	var direct *directWriter
	if s.local {
		// On local disk the staged file becomes the stored one: write it
		// past the page cache (see directWriter).
		direct = newDirectWriter(f)
		w = direct
	}
	if s.wrapWriter != nil {
		w = s.wrapWriter(w)
	}
	if err := st.fill(ctx, f, w, direct, r, limit, &s.readBuffers, s.stripMetadata); err != nil {
		f.Close()
		st.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		st.Close()
		return nil, storageErr("closing temporary", err)
	}
	return st, nil
}

// fill streams r into f through w, keeping at most limit+1 bytes of it,
// and feeds every kept byte to an inspection, which says what to store in
// their place (strip: an image's metadata goes) and fills in what the
// content says of the file once the stream has ended. direct, when not
// nil, is the writer under w that writes past the page cache: fill ends
// its writes before the inspection may read the file back.
func (st *Staged) fill(ctx context.Context, f *os.File, w io.Writer, direct *directWriter, r io.Reader, limit int64, bufs *sync.Pool, strip bool) error {
	in := inspection{hash: sha256.New(), text: utf8Checker{valid: true}, head: make([]byte, 0, headLen), strip: strip}
	ra := newReadAhead(r, bufs)
	defer ra.close()
	// Nothing may be in flight once fill returns: the file is closed then.
	defer direct.stop()
	// kept counts the bytes sent that are kept (the limit is on them);
	// in.stored those written, and flushed those whose writeback started:
	// offsets in the file.
	var kept, flushed int64
	var batch []readChunk
	var iov [][]byte
	for done := false; !done; {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("media: staging %s: %w", st.Name, err)
		}
		// The chunks read ahead so far go to the file in one write: when
		// the disk is slower than the network, writes grow instead of
		// queueing (past the page cache, each write waits for the disk).
		batch = ra.nextBatch(batch[:0])
		iov = iov[:0]
		var readErr error
		for _, c := range batch {
			chunk := c.b
			if st.Exceeded {
				chunk = nil // past the limit: read to the end, keep nothing
			} else if kept+int64(len(chunk)) > limit+1 {
				chunk = chunk[:limit+1-kept]
				st.Exceeded = true
				in.exceed()
			}
			if len(chunk) > 0 {
				iov = in.write(chunk, iov)
				kept += int64(len(chunk))
			}
			switch {
			case c.err == io.EOF:
				iov = in.end(iov)
				done = true
			case c.err != nil:
				readErr, done = c.err, true
			}
		}
		held := make([][]byte, len(batch))
		for i, c := range batch {
			held[i] = c.b
		}
		release := func() {
			for _, b := range held {
				ra.release(b)
			}
		}
		if len(iov) == 0 {
			release()
		} else {
			// Past the page cache the write goes on in the background;
			// the buffers come back once it has landed.
			if err := writeBuffers(w, iov, release); err != nil {
				return storageErr("writing temporary", err)
			}
			if in.stored-flushed >= writebackChunk {
				// Start writing back what is staged so far, so that the
				// fsync that makes the file durable (Put) finds little
				// left to do: the disk works while the rest arrives.
				startWriteback(f, flushed, in.stored-flushed)
				flushed = in.stored
			}
		}
		if readErr != nil {
			return fmt.Errorf("media: reading upload: %w", readErr)
		}
	}
	// The writes have landed, and the inspection may read the file back
	// (sniffing a DOCX, an image header past the bytes kept) through the
	// page cache.
	if err := direct.stop(); err != nil {
		return storageErr("writing temporary", err)
	}
	// A stream of exactly limit+1 bytes never had a chunk cut, yet is over
	// the limit too.
	st.Exceeded = st.Exceeded || kept > limit
	st.Size, st.Received = in.stored, kept
	in.finish(st, f)
	return nil
}

// inspection is what staging learns of an upload from its bytes as they
// stream by: their hash, the first bytes (sniffing, image headers),
// whether they are UTF-8 text, and for an image its checker's verdict, so
// that checking a file never reads it back whole. With strip, an image's
// bytes go through its metadataFilter first: the checker verifies the
// bytes sent, everything else learns from the bytes stored.
type inspection struct {
	hash       hash.Hash
	text       utf8Checker
	head       []byte // the first headLen bytes stored
	checker    imageChecker
	verifiedAs string // the type checker verifies
	strip      bool   // Options.StripMetadata
	filter     metadataFilter
	exceeded   bool
	taken      int64 // bytes sent
	stored     int64 // bytes to store
}

// write takes the next bytes kept, and appends to iov those to store in
// their place.
func (in *inspection) write(chunk []byte, iov [][]byte) [][]byte {
	if in.taken == 0 && !in.exceeded {
		// The first chunk holds the sniffed bytes (a read-ahead buffer is
		// larger than sniffLen, and filled unless the stream ends): an
		// image is verified, and stripped, as it streams.
		t := http.DetectContentType(chunk[:min(len(chunk), sniffLen)])
		in.checker, in.verifiedAs = newImageChecker(t), t
		if in.strip {
			in.filter = newMetadataFilter(t)
		}
	}
	in.taken += int64(len(chunk))
	if in.checker != nil && !in.checker.decided() {
		in.checker.write(chunk)
	}
	if in.filter == nil {
		in.store(chunk)
		return append(iov, chunk)
	}
	n := len(iov)
	iov = in.filter.filter(chunk, iov)
	for _, b := range iov[n:] {
		in.store(b)
	}
	return iov
}

// end is the end of the stream: it appends to iov what the filter held
// back.
func (in *inspection) end(iov [][]byte) [][]byte {
	if in.filter == nil {
		return iov
	}
	n := len(iov)
	iov = in.filter.end(iov)
	for _, b := range iov[n:] {
		in.store(b)
	}
	return iov
}

// store takes the next bytes to store.
func (in *inspection) store(b []byte) {
	if len(in.head) < headLen {
		in.head = append(in.head, b[:min(len(b), headLen-len(in.head))]...)
	}
	in.hash.Write(b)
	in.text.write(b)
	in.stored += int64(len(b))
}

// exceed marks the stream over its limit: refused before any check, so
// neither verified nor stripped any further (what the filter held back is
// dropped).
func (in *inspection) exceed() { in.exceeded, in.checker, in.filter = true, nil, nil }

// finish fills in st from what was learned (Size and Exceeded are set),
// reading the staged file f where the first bytes do not tell enough.
func (in *inspection) finish(st *Staged, f *os.File) {
	st.SHA256 = hex.EncodeToString(in.hash.Sum(nil))
	st.Orientation = 1
	if st.Exceeded {
		st.ContentType, st.Ext = typeBin, "bin"
		return
	}
	head := in.head
	st.ContentType = sniff(head[:min(len(head), sniffLen)], f, st.Size, in.text.done())
	st.Ext = ExtForContentType(st.ContentType)
	transparency := false
	if in.checker != nil {
		st.verifiedAs, st.verifyErr = in.verifiedAs, in.checker.close()
		if c, ok := in.checker.(*pngChecker); ok {
			transparency = c.transparency
		}
	}
	if isImageType(st.ContentType) {
		// The header is read from the bytes kept in memory, the file
		// only past them (a JPEG's metadata can be long). Both are the
		// bytes stored.
		rest := io.NewSectionReader(f, int64(len(head)), st.Size-int64(len(head)))
		cfg, _, err := image.DecodeConfig(bufio.NewReader(io.MultiReader(bytes.NewReader(head), rest)))
		if err == nil {
			st.Width, st.Height = cfg.Width, cfg.Height
		}
		if st.ContentType == TypeJPEG {
			st.Orientation = jpegOrientation(head)
		}
		if st.Orientation >= 5 { // turned a quarter: displayed the other way round
			st.Width, st.Height = st.Height, st.Width
		}
		st.Alpha = imageAlpha(st.ContentType, head, transparency)
	}
}

// readAhead reads an upload in a goroutine of its own into a few fixed
// buffers, so that reading from the network overlaps hashing and writing
// the previous chunk (a large upload on an idle server then uses both
// cores). Memory stays bounded: readAheadBuffers × readAheadSize.
type readAhead struct {
	chunks chan readChunk
	free   chan []byte
	done   chan struct{}
}

type readChunk struct {
	b   []byte
	err error // io.EOF with the last bytes
}

const (
	readAheadBuffers = 4
	readAheadSize    = 128 << 10
)

// newReadAhead starts reading r; its buffers come from bufs (a pool of
// readAheadSize slices) and go back there when the reader is closed and
// its goroutine is done.
func newReadAhead(r io.Reader, bufs *sync.Pool) *readAhead {
	ra := &readAhead{
		chunks: make(chan readChunk, readAheadBuffers),
		free:   make(chan []byte, readAheadBuffers),
		done:   make(chan struct{}),
	}
	for range readAheadBuffers {
		b, _ := bufs.Get().([]byte)
		if b == nil {
			b = make([]byte, readAheadSize)
		}
		ra.free <- b
	}
	go func() {
		defer ra.recycle(bufs)
		for {
			var buf []byte
			select {
			case buf = <-ra.free:
			case <-ra.done:
				return
			}
			n, err := io.ReadFull(r, buf)
			if err == io.ErrUnexpectedEOF {
				err = io.EOF
			}
			select {
			case ra.chunks <- readChunk{buf[:n], err}:
			case <-ra.done:
				return
			}
			if err != nil {
				return
			}
		}
	}()
	return ra
}

// recycle returns the buffers to the pool once the consumer is done with
// them (after close), so that none is reused while still read.
func (ra *readAhead) recycle(bufs *sync.Pool) {
	<-ra.done
	for {
		select {
		case b := <-ra.free:
			bufs.Put(b[:cap(b)])
		default:
			return
		}
	}
}

// nextBatch appends to batch the next chunk (waiting for it) and those read
// after it that are ready, and returns it.
func (ra *readAhead) nextBatch(batch []readChunk) []readChunk {
	c := <-ra.chunks
	batch = append(batch, c)
	for c.err == nil && len(batch) < readAheadBuffers {
		select {
		case c = <-ra.chunks:
			batch = append(batch, c)
		default:
			return batch
		}
	}
	return batch
}

func (ra *readAhead) release(b []byte) { ra.free <- b[:cap(b)] }

// close stops the reader goroutine once its current read returns.
func (ra *readAhead) close() { close(ra.done) }

// sniff decides the content type from the bytes only.
func sniff(head []byte, f io.ReaderAt, size int64, text bool) string {
	switch detected := http.DetectContentType(head); {
	case isImageType(detected), detected == TypePDF:
		return detected
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		if isDOCX(f, size) {
			return TypeDOCX
		}
		return typeBin
	case text && size > 0:
		return TypeText
	}
	return typeBin
}

// isDOCX reports whether a zip holds word/document.xml that starts to
// decompress. It reads at most zipReadBudget bytes of the file in all (the
// central directory, then at most 64 KiB of the one entry once inflated):
// neither a zip bomb nor a central directory of millions of entries costs
// more than that.
func isDOCX(f io.ReaderAt, size int64) bool {
	zr, err := zip.NewReader(&budgetReaderAt{r: f, left: zipReadBudget}, size)
	if err != nil || len(zr.File) > maxZipEntries {
		return false
	}
	for _, zf := range zr.File {
		if zf.Name != "word/document.xml" {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return false
		}
		defer rc.Close()
		head, err := io.ReadAll(io.LimitReader(rc, 64<<10))
		if err != nil && !errors.Is(err, zip.ErrChecksum) {
			return false
		}
		return bytes.Contains(head, []byte("<"))
	}
	return false
}

// zipReadBudget bounds what isDOCX reads: archive/zip parses the whole
// central directory into memory before its entries can be counted, so the
// count is bounded by the bytes it may read (a central directory entry
// takes at least 46 bytes).
const zipReadBudget = 1<<20 + 192<<10

var errZipBudget = errors.New("media: zip read budget exhausted")

// budgetReaderAt fails once it has read its budget.
type budgetReaderAt struct {
	r    io.ReaderAt
	left int64
}

func (b *budgetReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if int64(len(p)) > b.left {
		return 0, errZipBudget
	}
	n, err := b.r.ReadAt(p, off)
	b.left -= int64(n)
	return n, err
}

// utf8Checker validates UTF-8 across chunk boundaries and watches for NUL.
type utf8Checker struct {
	valid bool
	carry []byte // an incomplete rune at the end of the last chunk
}

func (c *utf8Checker) write(p []byte) {
	if !c.valid {
		return
	}
	if len(c.carry) > 0 {
		p = append(c.carry, p...)
		c.carry = nil
	}
	if bytes.IndexByte(p, 0) >= 0 {
		c.valid = false
		return
	}
	// Keep back a trailing incomplete rune for the next chunk.
	cut := len(p)
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				cut = i
			}
			break
		}
	}
	if !utf8.Valid(p[:cut]) {
		c.valid = false
		return
	}
	c.carry = append([]byte(nil), p[cut:]...)
}

func (c *utf8Checker) done() bool { return c.valid && len(c.carry) == 0 }

// Open returns a reader over the staged bytes.
func (st *Staged) Open() (io.ReadSeekCloser, error) {
	if st.consumed {
		return nil, errors.New("media: staged file already stored")
	}
	f, err := st.tmp.Open(st.tmpName)
	if err != nil {
		return nil, fmt.Errorf("media: opening staged file: %w", err)
	}
	return f, nil
}

// Close removes the temporary file. It is idempotent, and a no-op after
// Put.
func (st *Staged) Close() error {
	if st.consumed || st.tmp == nil {
		return nil
	}
	st.consumed = true
	if err := st.tmp.Remove(st.tmpName); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("media: removing temporary: %w", err)
	}
	return nil
}

// SanitizeName keeps the client's file name as safe data: its base name
// only, without control, format (bidirectional overrides) or invalid
// characters, at most 255 bytes. An empty result is "file".
func SanitizeName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "." || name == ".." {
		name = ""
	}
	if len(name) > maxNameBytes {
		ext := filepath.Ext(name)
		if len(ext) > 16 || !utf8.ValidString(ext) {
			ext = ""
		}
		cut := maxNameBytes - len(ext)
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut] + ext
	}
	if name == "" {
		return "file"
	}
	return name
}

var nameEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// randomName is 26 characters of lowercase base32 from 16 random bytes.
func randomName() string {
	var b [16]byte
	rand.Read(b[:])
	return nameEncoding.EncodeToString(b[:])
}
