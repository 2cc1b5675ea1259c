package media

import (
	"bytes"
	"encoding/binary"
)

// Photo hygiene: an original loses what betrays its owner (GPS position,
// maker notes, serial numbers, XMP, IPTC, comments, EXIF previews and
// whatever follows the image) while it streams into its staged file
// (Options.StripMetadata). Pixels are never re-encoded: segments and
// chunks are kept, dropped or rewritten whole, so the stored image decodes
// to exactly the pixels that were sent, and the hash and size Stage
// reports are those of the stored bytes, computed in the same pass.

// metadataFilter rewrites an image's metadata as its bytes stream by.
//
// A filter never keeps a reference to p after filter returns (bytes it
// holds back are copied), and bytes of its own that it appends are never
// written to again: both may still be on their way to the disk while the
// next bytes are filtered. It never appends an empty slice.
type metadataFilter interface {
	// filter takes the next input bytes, in order, and appends to out the bytes to store in their place:
	// sub-slices of p where bytes pass unchanged (no copy), or bytes of its own (a rewritten segment,
	// bytes it held back across calls). It may hold bytes back until it can decide.
	filter(p []byte, out [][]byte) [][]byte
	// end is the end of the input: it appends whatever it still holds back.
	end(out [][]byte) [][]byte
}

// newMetadataFilter returns the filter for a sniffed content type (TypeJPEG, TypePNG, TypeWebP), or nil (GIF and anything else pass unchanged).
func newMetadataFilter(contentType string) metadataFilter {
	switch contentType {
	case TypeJPEG:
		return &jpegFilter{}
	case TypePNG:
		return &pngFilter{}
	case TypeWebP:
		return &webpFilter{}
	}
	return nil
}

// emitter gathers a filter's output for one input slice. Consecutive
// bytes of p that pass go out as one sub-slice: a file with nothing to
// strip goes out in the very slices it came in, so that writes past the
// page cache stay aligned (directWriter).
type emitter struct {
	out        [][]byte
	p          []byte
	start, end int // p[start:end] passes and has not been appended yet
}

// pass lets p[i:j] through.
func (e *emitter) pass(i, j int) {
	if i == j {
		return
	}
	if i != e.end {
		e.flush()
		e.start = i
	}
	e.end = j
}

// own appends bytes of the filter's own, after what passed before them.
func (e *emitter) own(b []byte) {
	if len(b) == 0 {
		return
	}
	e.flush()
	e.out = append(e.out, b)
}

// flush appends the run of p that passes.
func (e *emitter) flush() {
	if e.end > e.start {
		e.out = append(e.out, e.p[e.start:e.end])
	}
	e.start = e.end
}

// JPEG. The filter walks the markers as jpegChecker does, so that it reads
// any file the checker accepts the same way: segments by their lengths,
// the entropy-coded data after each start of scan up to the next marker
// that is not a restart.

// jpegFilter keeps what decoding needs (SOI, DQT, DHT, SOFn, SOS, DRI, the
// scans, RSTn, EOI), a JFIF APP0, every ICC profile chunk (APP2), the
// Adobe APP14 (its colour transform decodes CMYK), and of an Exif APP1
// only the orientation, rewritten as a minimal Exif of its own. It drops
// every other application segment (XMP, MPF, FlashPix, Photoshop/IPTC,
// JFXX thumbnails…), comments, and everything after the end of image
// (appended previews, MPF images). Malformed input, which the checker
// refuses, is dropped from where it goes wrong.
type jpegFilter struct {
	state  int
	seen   int    // bytes of SOI seen; bytes of a passing segment's length seen
	length int    // a passing segment's length, as it is read
	code   byte   // the current segment's marker
	left   int    // payload bytes left in the current segment
	keep   bool   // the current segment passes
	pend   []byte // the start of a segment, from its 0xFF, held back until it can be decided (at most one whole segment)
	ffOut  bool   // pend[0], the segment's 0xFF, has gone out already (see jfEntropyFF)
}

const (
	jfSOI       = iota
	jfMarker    // expecting a marker's 0xFF
	jfSegment   // gathering a segment's start until it can be decided
	jfLength    // the length of a segment that passes
	jfPayload   // the rest of a segment: passes or not (keep)
	jfEntropy   // scan data, looking for 0xFF
	jfEntropyFF // scan data, just after a 0xFF
	jfDrop      // after EOI, or malformed: nothing passes
)

func (f *jpegFilter) filter(p []byte, out [][]byte) [][]byte {
	e := emitter{out: out, p: p}
	for i := 0; i < len(p); {
		switch f.state {
		case jfSOI:
			if p[i] != "\xff\xd8"[f.seen] {
				f.state = jfDrop
				continue
			}
			e.pass(i, i+1)
			i++
			if f.seen++; f.seen == 2 {
				f.state = jfMarker
			}
		case jfMarker:
			if p[i] != 0xff {
				f.state = jfDrop
				continue
			}
			f.state = jfSegment
		case jfSegment:
			i = f.segment(&e, i)
		case jfLength:
			e.pass(i, i+1)
			f.length = f.length<<8 | int(p[i])
			i++
			if f.seen++; f.seen == 2 {
				if f.length < 2 {
					f.state = jfDrop
					continue
				}
				f.left, f.keep, f.state = f.length-2, true, jfPayload
			}
		case jfPayload:
			k := min(f.left, len(p)-i)
			if f.keep {
				e.pass(i, i+k)
			}
			i += k
			f.left -= k
		case jfEntropy:
			k := bytes.IndexByte(p[i:], 0xff)
			if k < 0 {
				e.pass(i, len(p))
				i = len(p)
				continue
			}
			e.pass(i, i+k+1)
			i += k + 1
			f.state = jfEntropyFF
		case jfEntropyFF:
			switch b := p[i]; {
			case b == 0x00 || (b >= 0xd0 && b <= 0xd7): // stuffed zero, restart marker
				e.pass(i, i+1)
				i++
				f.state = jfEntropy
			case b == 0xff: // the first was fill
				e.pass(i, i+1)
				i++
			case jpegMetadataMarker(b):
				// Every 0xFF of scan data goes out as it comes, wherever the
				// input is cut, so that scan data is never held back (nor
				// copied). When the marker it announces is a segment that
				// is dropped, it stays in the output as a fill byte before
				// the next marker, which decoders skip (T.81 B.1.1.2).
				f.pend, f.ffOut, f.state = append(f.pend[:0], 0xff), true, jfSegment
			default:
				e.pass(i, i+1)
				i++
				f.marker(b)
			}
		case jfDrop:
			i = len(p)
		}
		if f.state == jfPayload && f.left == 0 {
			f.endSegment()
		}
	}
	e.flush()
	return e.out
}

// end drops what is held back: a whole JPEG ends with EOI, after which
// nothing is, so only a truncated file (which the checker refuses) ends
// with part of a segment held, maybe of its metadata.
func (f *jpegFilter) end(out [][]byte) [][]byte {
	f.pend, f.state = nil, jfDrop
	return out
}

// jpegMetadataMarker reports whether a segment is decided by its contents:
// application segments and comments.
func jpegMetadataMarker(code byte) bool {
	return code >= 0xe0 && code <= 0xef || code == 0xfe
}

// marker follows a marker that passes (its code has gone out).
func (f *jpegFilter) marker(code byte) {
	switch {
	case code == 0xd9: // EOI: what follows is not the image
		f.state = jfDrop
	case code >= 0xd0 && code <= 0xd7, code == 0x01: // RSTn, TEM: no length
		f.state = jfMarker
	default:
		f.code, f.seen, f.length, f.state = code, 0, 0, jfLength
	}
}

// endSegment follows a segment's payload: scan data after a start of
// scan, the next marker otherwise.
func (f *jpegFilter) endSegment() {
	if f.code == 0xda {
		f.state = jfEntropy
		return
	}
	f.state = jfMarker
}

// What to do with a segment, decided from its first bytes.
const (
	segMore   = iota // more bytes are needed
	segFill          // the first 0xFF is a fill byte: dropped
	segMarker        // a marker that passes; its length (if any) is read as it passes
	segKeep          // an application segment that passes
	segDrop          // a segment that is dropped
	segExif          // an Exif APP1, whole: rewritten
	segJFIF          // a JFIF APP0 with a thumbnail: rewritten without it
	segBad           // a length below 2: malformed
)

// jpegSegmentAction decides on a segment from its first bytes v (from its
// 0xFF), and returns the decision and how many bytes of v it covers, or
// segMore and how many bytes it needs: only as many as the decision
// takes (the marker; for an application segment its length and its
// identifier; for an Exif segment all of it).
func jpegSegmentAction(v []byte) (action, n int) {
	if len(v) < 2 {
		return segMore, 2
	}
	code := v[1]
	if code == 0xff {
		return segFill, 1
	}
	if !jpegMetadataMarker(code) {
		return segMarker, 2
	}
	if len(v) < 4 {
		return segMore, 4
	}
	length := int(v[2])<<8 | int(v[3])
	if length < 2 {
		return segBad, 4
	}
	var id string
	switch code {
	case 0xe0:
		id = "JFIF\x00" // not "JFXX": a thumbnail
	case 0xe1:
		id = "Exif\x00\x00" // not XMP, extended XMP or anything else
	case 0xe2:
		id = "ICC_PROFILE\x00" // not MPF or FlashPix
	case 0xee:
		id = "Adobe"
	default:
		return segDrop, 4
	}
	n = min(4+len(id), 2+length)
	if len(v) < n {
		return segMore, n
	}
	if string(v[4:n]) != id {
		return segDrop, n
	}
	if code == 0xe0 && length > jfifLength {
		// A JFIF thumbnail's pixels follow the header; like any
		// thumbnail, it may show what a crop removed.
		if len(v) < 2+jfifLength {
			return segMore, 2 + jfifLength
		}
		return segJFIF, 2 + jfifLength
	}
	if code != 0xe1 {
		return segKeep, n
	}
	if len(v) < 2+length {
		return segMore, 2 + length
	}
	return segExif, 2 + length
}

// segment decides on the segment that starts at p[i] (or whose start is
// held in pend) once enough of it is known, and returns where the input
// goes on.
func (f *jpegFilter) segment(e *emitter, i int) int {
	p := e.p
	for {
		held := len(f.pend) > 0
		view := p[i:]
		if held {
			view = f.pend
		}
		action, n := jpegSegmentAction(view)
		if action != segMore {
			return f.apply(e, i, view, held, action, n)
		}
		if !held { // less than needed is left in p: hold all of it
			f.pend = append(f.pend, view...)
			return len(p)
		}
		if i == len(p) {
			return i
		}
		k := min(n-len(f.pend), len(p)-i)
		f.pend = append(f.pend, p[i:i+k]...)
		i += k
	}
}

// apply carries out the decision on a segment whose first bytes are view
// (held in pend, or p[i:]), and returns where the input goes on.
func (f *jpegFilter) apply(e *emitter, i int, view []byte, held bool, action, n int) int {
	// The decision covers view[:n]; held, that is all of pend (it was
	// gathered only as far as needed), but for a fill byte.
	length := 0
	if len(view) >= 4 {
		length = int(view[2])<<8 | int(view[3])
	}
	code := view[1]
	switch action {
	case segFill:
		if held {
			// Held, the fill byte is pend[0], gone out already if it ended
			// scan data; the 0xFF after it has not.
			f.pend, f.ffOut = append(f.pend[:0], f.pend[1:]...), false
			return i
		}
		return i + 1
	case segMarker:
		i = f.decided(e, i, n, true)
		f.marker(code)
	case segKeep, segDrop:
		i = f.decided(e, i, n, action == segKeep)
		f.code, f.left, f.keep, f.state = code, 2+length-n, action == segKeep, jfPayload
	case segExif:
		if o := exifOrientation(view[10:n]); o != 0 {
			e.own(f.rewritten(minimalExif(o)))
		}
		i = f.decided(e, i, n, false)
		f.state = jfMarker
	case segJFIF:
		// The header up to the thumbnail's size, which becomes 0×0.
		b := append([]byte{0xff, 0xe0, 0, jfifLength}, view[4:jfifLength]...)
		e.own(f.rewritten(append(b, 0, 0)))
		i = f.decided(e, i, n, false)
		f.code, f.left, f.keep, f.state = code, 2+length-n, false, jfPayload
	case segBad:
		i = f.decided(e, i, n, false)
		f.state = jfDrop
	}
	return i
}

// rewritten is a segment of the filter's own in place of the current one:
// without its 0xFF if that has gone out already.
func (f *jpegFilter) rewritten(b []byte) []byte {
	if f.ffOut {
		return b[1:]
	}
	return b
}

// jfifLength is the length of a JFIF APP0 segment without a thumbnail.
const jfifLength = 16

// decided lets the n bytes decided on pass or not, and returns where the
// input goes on.
func (f *jpegFilter) decided(e *emitter, i, n int, keep bool) int {
	if len(f.pend) == 0 {
		if keep {
			e.pass(i, i+n)
		}
		return i + n
	}
	if keep {
		b := f.pend
		if f.ffOut {
			b = b[1:]
		}
		e.own(b)
		f.pend = nil // gone out: never written to again
	} else {
		f.pend = f.pend[:0]
	}
	f.ffOut = false
	return i
}

// minimalExif is an Exif APP1 segment whose only tag is IFD0's Orientation
// (big-endian TIFF): what the browser needs to display a JPEG upright.
func minimalExif(orientation int) []byte {
	return []byte{
		0xff, 0xe1, 0, 34, // APP1, length
		'E', 'x', 'i', 'f', 0, 0,
		'M', 'M', 0, 42, 0, 0, 0, 8, // TIFF header: IFD0 at 8
		0, 1, // one entry
		0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(orientation), 0, 0, // Orientation, SHORT, 1
		0, 0, 0, 0, // no next IFD
	}
}

// exifOrientation is the Orientation (1–8) in IFD0 of an Exif TIFF
// structure (either byte order), or 0 when it is absent, invalid or out of
// range.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 0
	}
	var order binary.ByteOrder
	switch string(tiff[:4]) {
	case "II*\x00":
		order = binary.LittleEndian
	case "MM\x00*":
		order = binary.BigEndian
	default:
		return 0
	}
	ifd := uint64(order.Uint32(tiff[4:]))
	if ifd < 8 || ifd+2 > uint64(len(tiff)) {
		return 0
	}
	count := uint64(order.Uint16(tiff[ifd:]))
	for k := range count {
		at := ifd + 2 + 12*k
		if at+12 > uint64(len(tiff)) {
			return 0
		}
		entry := tiff[at : at+12]
		if order.Uint16(entry) != 0x0112 {
			continue
		}
		if order.Uint16(entry[2:]) != 3 || order.Uint32(entry[4:]) < 1 {
			return 0 // not a SHORT
		}
		if o := order.Uint16(entry[8:]); o >= 1 && o <= 8 {
			return int(o)
		}
		return 0
	}
	return 0
}

// jpegOrientation is the EXIF Orientation (1–8) of a JPEG from its first
// bytes: that of the first Exif APP1 that has one before the first start
// of scan within head; 1 when absent, invalid or out of range.
func jpegOrientation(head []byte) int {
	if len(head) < 2 || head[0] != 0xff || head[1] != 0xd8 {
		return 1
	}
	for i := 2; i+2 <= len(head); {
		if head[i] != 0xff {
			return 1
		}
		code := head[i+1]
		switch {
		case code == 0xff: // fill
			i++
			continue
		case code == 0xda, code == 0xd9: // start of scan, end of image
			return 1
		case code >= 0xd0 && code <= 0xd7, code == 0x01:
			i += 2
			continue
		}
		if i+4 > len(head) {
			return 1
		}
		length := int(head[i+2])<<8 | int(head[i+3])
		if length < 2 {
			return 1
		}
		if code == 0xe1 {
			payload := head[i+4 : min(len(head), i+2+length)]
			if tiff, ok := bytes.CutPrefix(payload, []byte("Exif\x00\x00")); ok {
				if o := exifOrientation(tiff); o != 0 {
					return o
				}
			}
		}
		i += 2 + length
	}
	return 1
}

// PNG. Chunks are walked by their lengths, as pngChecker does (the CRCs
// are the checker's business: a chunk that passes is unchanged, CRC
// included).

// pngFilter keeps the critical chunks and the ancillary chunks that change
// how the image looks (pngAncillaryKept); it drops every other ancillary
// chunk (tEXt, zTXt, iTXt and the XMP they carry, eXIf, tIME, private
// chunks) and everything after IEND. Malformed input is dropped from
// where it goes wrong.
type pngFilter struct {
	state int // pfSignature, pfHead, pfChunk, pfDrop
	seen  int // signature bytes seen
	first bool
	pend  []byte // a chunk's 8-byte header split across calls
	left  int64  // bytes left of the chunk: data and CRC
	keep  bool
	last  bool // the chunk is IEND
}

const (
	pfSignature = iota
	pfHead
	pfChunk
	pfDrop
)

// pngAncillaryKept are the ancillary chunks that change how an image is
// displayed: transparency, colour space and gamma, significant bits,
// background, pixel aspect, HDR metadata, and APNG's animation.
var pngAncillaryKept = map[string]bool{
	"tRNS": true, "gAMA": true, "cHRM": true, "sRGB": true, "iCCP": true, "sBIT": true, "bKGD": true,
	"pHYs": true, "cICP": true, "mDCv": true, "cLLi": true, "acTL": true, "fcTL": true, "fdAT": true,
}

// pngChunkKept reports whether a chunk of type typ is stored: a critical
// one (upper-case first letter) or one of pngAncillaryKept.
func pngChunkKept(typ []byte) bool {
	return typ[0] >= 'A' && typ[0] <= 'Z' || pngAncillaryKept[string(typ)]
}

func (f *pngFilter) filter(p []byte, out [][]byte) [][]byte {
	e := emitter{out: out, p: p}
	for i := 0; i < len(p); {
		switch f.state {
		case pfSignature:
			if p[i] != "\x89PNG\r\n\x1a\n"[f.seen] {
				f.state = pfDrop
				continue
			}
			e.pass(i, i+1)
			i++
			if f.seen++; f.seen == 8 {
				f.state, f.first = pfHead, true
			}
		case pfHead:
			head, fromP := chunkHeader(p, &i, &f.pend)
			if head == nil {
				continue // all of p is held
			}
			length := binary.BigEndian.Uint32(head)
			typ := head[4:8]
			if length > 1<<31-1 || (f.first && string(typ) != "IHDR") {
				f.pend, f.state = f.pend[:0], pfDrop
				continue
			}
			f.first = false
			f.keep, f.last = pngChunkKept(typ), string(typ) == "IEND"
			f.left, f.state = int64(length)+4, pfChunk
			switch {
			case fromP && f.keep:
				e.pass(i-8, i)
			case f.keep:
				e.own(f.pend)
				f.pend = nil // gone out: never written to again
			case !fromP:
				f.pend = f.pend[:0]
			}
		case pfChunk:
			k := int(min(f.left, int64(len(p)-i)))
			if f.keep {
				e.pass(i, i+k)
			}
			i += k
			if f.left -= int64(k); f.left == 0 {
				f.state = pfHead
				if f.last {
					f.state = pfDrop
				}
			}
		case pfDrop:
			i = len(p)
		}
	}
	e.flush()
	return e.out
}

// end drops what is held back: part of a chunk header, at the end of a
// truncated file (a whole PNG ends with IEND, after which nothing is held).
func (f *pngFilter) end(out [][]byte) [][]byte {
	f.pend, f.state = nil, pfDrop
	return out
}

// chunkHeader returns the 8-byte chunk header at p[*i] (PNG and RIFF
// chunks alike) and moves *i past it: from p when it is there whole and
// nothing is held (fromP), else gathered in *pend across calls; nil while
// it is still incomplete (all of p is then held).
func chunkHeader(p []byte, i *int, pend *[]byte) (head []byte, fromP bool) {
	if len(*pend) == 0 && len(p)-*i >= 8 {
		*i += 8
		return p[*i-8 : *i], true
	}
	k := min(8-len(*pend), len(p)-*i)
	*pend = append(*pend, p[*i:*i+k]...)
	*i += k
	if len(*pend) < 8 {
		return nil, false
	}
	return *pend, false
}

// WebP. The RIFF header states the file's size before its chunks, and the
// stored bytes are hashed and written as they stream, so no chunk can be
// cut out: metadata chunks are blanked in place instead, and the file keeps
// its size.

// webpFilter renames every EXIF and XMP chunk to webpBlankChunk (a chunk
// decoders skip: RIFF's padding) with its payload zeroed, and clears the
// EXIF and XMP flags of a VP8X header. Everything else passes unchanged;
// WebP keeps no orientation (browsers apply EXIF orientation to JPEG
// only).
type webpFilter struct {
	state int    // wfHeader, wfHead, wfFlags, wfPayload
	seen  int    // bytes of the RIFF header seen
	first bool   // the next chunk is the first
	pend  []byte // a chunk header split across calls
	left  int64  // payload bytes left in the chunk, padding included
	blank bool   // the payload is zeroed
}

const (
	wfHeader = iota
	wfHead
	wfFlags // the first payload byte of a leading VP8X chunk
	wfPayload
)

const (
	webpBlankChunk = "JUNK"
	vp8xEXIF       = 1 << 3
	vp8xXMP        = 1 << 2
	vp8xAlpha      = 1 << 4
)

// zeroBlock is the zeroed payload of blanked chunks, appended as it is:
// never written to.
var zeroBlock [16 << 10]byte

func (f *webpFilter) filter(p []byte, out [][]byte) [][]byte {
	e := emitter{out: out, p: p}
	for i := 0; i < len(p); {
		switch f.state {
		case wfHeader:
			k := min(12-f.seen, len(p)-i)
			e.pass(i, i+k)
			i += k
			if f.seen += k; f.seen == 12 {
				f.state, f.first = wfHead, true
			}
		case wfHead:
			head, fromP := chunkHeader(p, &i, &f.pend)
			if head == nil {
				continue
			}
			fourcc := string(head[:4])
			size := int64(binary.LittleEndian.Uint32(head[4:]))
			f.left, f.state = size+size&1, wfPayload
			f.blank = fourcc == "EXIF" || fourcc == "XMP "
			switch {
			case f.blank:
				e.own(append([]byte(webpBlankChunk), head[4:8]...))
				f.pend = f.pend[:0]
			case fromP:
				e.pass(i-8, i)
			default:
				e.own(f.pend)
				f.pend = nil // gone out: never written to again
			}
			if f.first && fourcc == "VP8X" && f.left > 0 {
				f.state = wfFlags
			}
			f.first = false
		case wfFlags:
			if b := p[i]; b&(vp8xEXIF|vp8xXMP) != 0 {
				e.own([]byte{b &^ (vp8xEXIF | vp8xXMP)})
			} else {
				e.pass(i, i+1)
			}
			i++
			f.left--
			f.state = wfPayload
		case wfPayload:
			k := int(min(f.left, int64(len(p)-i)))
			if f.blank {
				for n := k; n > 0; n -= min(n, len(zeroBlock)) {
					e.own(zeroBlock[:min(n, len(zeroBlock))])
				}
			} else {
				e.pass(i, i+k)
			}
			i += k
			f.left -= int64(k)
		}
		if f.state == wfPayload && f.left == 0 {
			f.state = wfHead
		}
	}
	e.flush()
	return e.out
}

// end lets out part of a chunk header held at the end of a truncated file:
// the file keeps its size, damaged as it came.
func (f *webpFilter) end(out [][]byte) [][]byte {
	if len(f.pend) > 0 {
		out = append(out, f.pend)
		f.pend = nil
	}
	return out
}

// imageAlpha reports whether an image may hold transparency, from its
// first bytes: a PNG of colour type 4 or 6 (or with a tRNS chunk before
// its data, which pngChecker saw: transparency), a WebP with the VP8X
// alpha flag or a lossless (VP8L) one, any GIF; never a JPEG.
func imageAlpha(contentType string, head []byte, transparency bool) bool {
	switch contentType {
	case TypeGIF:
		return true
	case TypePNG:
		// Signature, IHDR's length and type, width, height, bit depth,
		// colour type.
		return transparency || len(head) > 25 && string(head[12:16]) == "IHDR" && (head[25] == 4 || head[25] == 6)
	case TypeWebP:
		if len(head) < 16 {
			return false
		}
		switch string(head[12:16]) {
		case "VP8L":
			return true
		case "VP8X":
			return len(head) > 20 && head[20]&vp8xAlpha != 0
		}
	}
	return false
}
