package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"io"
)

// verifyImage proves an image is whole without decoding its pixels where
// the format allows (as Pillow's Image.verify does): PNG chunk by chunk
// with every CRC, JPEG segment by segment to its end-of-image marker, WebP
// by its RIFF chunk sizes (imageChecker); GIF, whose frames carry no
// checksum, is decoded. Decoding a megabyte of PNG costs tens of
// milliseconds of CPU; checking its CRCs costs well under one.
func verifyImage(contentType string, r io.Reader) error {
	c := newImageChecker(contentType)
	if c == nil {
		_, _, err := image.Decode(bufio.NewReaderSize(r, 64<<10))
		return err
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		if c.write(buf[:n]); c.decided() {
			return c.close()
		}
		if err == io.EOF {
			return c.close()
		}
		if err != nil {
			return err
		}
	}
}

var errDamaged = errors.New("media: damaged or truncated image")

// imageChecker verifies an image from its bytes as they come (Stage feeds
// it each chunk it reads, so the staged file is never read back), holding
// at most a few bytes of it. write takes the next bytes, in order; close
// ends the stream and returns the verdict: nil for a whole image,
// errDamaged otherwise. Bytes after the image's end (a PNG's IEND, a
// JPEG's EOI) are ignored, as Pillow does.
type imageChecker interface {
	write(p []byte)
	decided() bool // the verdict no longer depends on more bytes
	close() error
}

// newImageChecker returns the checker for a content type, or nil (GIF, and
// anything else, is checked by decoding).
func newImageChecker(contentType string) imageChecker {
	switch contentType {
	case TypePNG:
		return &pngChecker{}
	case TypeJPEG:
		return &jpegChecker{}
	case TypeWebP:
		return &webpChecker{}
	}
	return nil
}

// verdict is the state every checker shares: undecided, whole, or damaged.
type verdict struct {
	done bool
	err  error
	acc  []byte // a field being gathered across writes (at most 12 bytes)
}

func (v *verdict) decided() bool { return v.done }

// close is the verdict at the end of the stream: a checker still waiting
// for its image's end (a PNG's IEND, a JPEG's EOI) has a truncated one.
func (v *verdict) close() error {
	if !v.done {
		v.finish(errDamaged)
	}
	return v.err
}

func (v *verdict) finish(err error) {
	v.done, v.err = true, err
}

// gather moves bytes from *p into the accumulator until it holds n, and
// reports whether it does.
func (v *verdict) gather(p *[]byte, n int) bool {
	k := min(n-len(v.acc), len(*p))
	v.acc = append(v.acc, (*p)[:k]...)
	*p = (*p)[k:]
	return len(v.acc) == n
}

// pngChecker walks the chunks, checking each CRC, to IEND after an IDAT.
type pngChecker struct {
	verdict
	state   int // pngSignature, pngHead, pngData, pngCRC
	first   bool
	typ     string
	left    int64 // data bytes left in the chunk
	crc     uint32
	sawIDAT bool
	// transparency: a tRNS chunk came before the image data (Staged.Alpha).
	transparency bool
}

const (
	pngSignature = iota
	pngHead
	pngData
	pngCRC
)

func (c *pngChecker) write(p []byte) {
	for len(p) > 0 && !c.done {
		switch c.state {
		case pngSignature:
			if !c.gather(&p, 8) {
				return
			}
			if string(c.acc) != "\x89PNG\r\n\x1a\n" {
				c.finish(errDamaged)
				return
			}
			c.acc, c.state, c.first = c.acc[:0], pngHead, true
		case pngHead:
			if !c.gather(&p, 8) {
				return
			}
			length := binary.BigEndian.Uint32(c.acc[:4])
			c.typ = string(c.acc[4:8])
			if length > 1<<31-1 || (c.first && c.typ != "IHDR") {
				c.finish(errDamaged)
				return
			}
			c.first = false
			c.transparency = c.transparency || (c.typ == "tRNS" && !c.sawIDAT)
			c.crc = crc32.Update(0, crc32.IEEETable, c.acc[4:8])
			c.acc, c.left, c.state = c.acc[:0], int64(length), pngData
		case pngData:
			k := int(min(c.left, int64(len(p))))
			c.crc = crc32.Update(c.crc, crc32.IEEETable, p[:k])
			p, c.left = p[k:], c.left-int64(k)
			if c.left == 0 {
				c.state = pngCRC
			}
		case pngCRC:
			if !c.gather(&p, 4) {
				return
			}
			if binary.BigEndian.Uint32(c.acc) != c.crc {
				c.finish(errDamaged)
				return
			}
			c.acc, c.state = c.acc[:0], pngHead
			switch c.typ {
			case "IDAT":
				c.sawIDAT = true
			case "IEND":
				if !c.sawIDAT {
					c.finish(errDamaged)
				} else {
					c.finish(nil)
				}
				return
			}
		}
	}
	if c.state == pngData && c.left == 0 && !c.done {
		c.state = pngCRC // an empty chunk: its CRC comes next
	}
}

// jpegChecker walks the segments by their lengths, and the entropy-coded
// data after each start of scan up to the next marker, to an EOI after a
// start of frame and a start of scan.
type jpegChecker struct {
	verdict
	state          int
	skip           int // segment bytes left to skip
	code           byte
	sawSOF, sawSOS bool
}

const (
	jpegSOI       = iota
	jpegMarker    // expecting 0xFF
	jpegCode      // after 0xFF: fill bytes, then the code
	jpegLength    // the segment's two length bytes
	jpegSkip      // the segment's payload
	jpegEntropy   // scan data, looking for 0xFF
	jpegEntropyFF // scan data, just after a 0xFF
)

func (c *jpegChecker) write(p []byte) {
	for len(p) > 0 && !c.done {
		switch c.state {
		case jpegSOI:
			if !c.gather(&p, 2) {
				return
			}
			if c.acc[0] != 0xff || c.acc[1] != 0xd8 {
				c.finish(errDamaged)
				return
			}
			c.acc, c.state = c.acc[:0], jpegMarker
		case jpegMarker:
			if p[0] != 0xff {
				c.finish(errDamaged)
				return
			}
			p, c.state = p[1:], jpegCode
		case jpegCode:
			b := p[0]
			p = p[1:]
			if b != 0xff { // 0xFF: fill, the code is still to come
				c.marker(b)
			}
		case jpegLength:
			if !c.gather(&p, 2) {
				return
			}
			length := int(binary.BigEndian.Uint16(c.acc))
			c.acc = c.acc[:0]
			if length < 2 {
				c.finish(errDamaged)
				return
			}
			if c.code >= 0xc0 && c.code <= 0xcf && c.code != 0xc4 && c.code != 0xc8 && c.code != 0xcc {
				c.sawSOF = true
			}
			c.skip, c.state = length-2, jpegSkip
		case jpegSkip:
			k := min(c.skip, len(p))
			p, c.skip = p[k:], c.skip-k
		case jpegEntropy:
			i := bytes.IndexByte(p, 0xff)
			if i < 0 {
				return
			}
			p, c.state = p[i+1:], jpegEntropyFF
		case jpegEntropyFF:
			switch b := p[0]; {
			case b == 0x00 || (b >= 0xd0 && b <= 0xd7):
				p, c.state = p[1:], jpegEntropy // stuffed zero, restart marker
			case b == 0xff:
				p = p[1:] // the first was fill
			default:
				p = p[1:]
				c.marker(b)
			}
		}
		if c.state == jpegSkip && c.skip == 0 {
			c.endSegment()
		}
	}
}

// marker handles a marker's code.
func (c *jpegChecker) marker(code byte) {
	switch {
	case code == 0xd9: // EOI
		if !c.sawSOF || !c.sawSOS {
			c.finish(errDamaged)
		} else {
			c.finish(nil)
		}
	case code >= 0xd0 && code <= 0xd7, code == 0x01: // RSTn, TEM: no length
		c.state = jpegMarker
	default:
		c.code, c.state = code, jpegLength
	}
}

// endSegment follows a segment's payload: scan data after a start of
// scan, the next marker otherwise.
func (c *jpegChecker) endSegment() {
	if c.code == 0xda {
		c.sawSOS = true
		c.state = jpegEntropy
		return
	}
	c.state = jpegMarker
}

// webpChecker walks the RIFF chunks to the end of the stream: each must fit
// in the RIFF size, and the last must end where the stream does, exactly at
// the RIFF size.
type webpChecker struct {
	verdict
	state int // webpHeader, webpChunk, webpSkip
	end   int64
	off   int64
	skip  int64
}

const (
	webpHeader = iota
	webpChunk
	webpSkip
)

func (c *webpChecker) write(p []byte) {
	for len(p) > 0 && !c.done {
		switch c.state {
		case webpHeader:
			if !c.gather(&p, 12) {
				return
			}
			if string(c.acc[:4]) != "RIFF" || string(c.acc[8:12]) != "WEBP" {
				c.finish(errDamaged)
				return
			}
			c.end = int64(binary.LittleEndian.Uint32(c.acc[4:8])) + 8
			if c.end%2 != 0 {
				c.finish(errDamaged)
				return
			}
			c.acc, c.off, c.state = c.acc[:0], 12, webpChunk
		case webpChunk:
			if !c.gather(&p, 8) {
				return
			}
			n := int64(binary.LittleEndian.Uint32(c.acc[4:8]))
			n += n & 1 // padding
			c.acc = c.acc[:0]
			if c.off+8+n > c.end {
				c.finish(errDamaged)
				return
			}
			c.off += 8 + n
			c.skip, c.state = n, webpSkip
		case webpSkip:
			k := min(c.skip, int64(len(p)))
			p, c.skip = p[k:], c.skip-k
		}
		if c.state == webpSkip && c.skip == 0 {
			c.state = webpChunk
		}
	}
}

func (c *webpChecker) close() error {
	if !c.done {
		// Whole only if the stream ended at a chunk boundary, at the RIFF
		// size.
		if c.state == webpChunk && len(c.acc) == 0 && c.off == c.end {
			c.finish(nil)
		} else {
			c.finish(errDamaged)
		}
	}
	return c.err
}
