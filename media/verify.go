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

// verifyImage proves a staged image is whole without decoding its pixels
// where the format allows (as Pillow's Image.verify does): PNG chunk by
// chunk with every CRC, JPEG segment by segment to its end-of-image marker,
// WebP by its RIFF chunk sizes; GIF, whose frames carry no checksum, is
// decoded. Decoding a megabyte of PNG costs tens of milliseconds of CPU;
// checking its CRCs costs well under one. It reads r to the end only where
// the format needs it (WebP); Stage runs it on the bytes as they arrive.
func verifyImage(contentType string, r io.Reader) error {
	br := bufio.NewReaderSize(r, 64<<10)
	switch contentType {
	case TypePNG:
		return verifyPNG(br)
	case TypeJPEG:
		return verifyJPEG(br)
	case TypeWebP:
		return verifyWebP(br)
	default:
		_, _, err := image.Decode(br)
		return err
	}
}

var errDamaged = errors.New("media: damaged or truncated image")

func verifyPNG(r *bufio.Reader) error {
	var sig [8]byte
	if _, err := io.ReadFull(r, sig[:]); err != nil || string(sig[:]) != "\x89PNG\r\n\x1a\n" {
		return errDamaged
	}
	var head [8]byte
	sawIDAT := false
	for first := true; ; first = false {
		if _, err := io.ReadFull(r, head[:]); err != nil {
			return errDamaged // no IEND
		}
		length := binary.BigEndian.Uint32(head[:4])
		typ := string(head[4:8])
		if length > 1<<31-1 || (first && typ != "IHDR") {
			return errDamaged
		}
		crc := crc32.Update(0, crc32.IEEETable, head[4:8])
		for remaining := int(length); remaining > 0; {
			b, err := r.Peek(min(remaining, r.Size()))
			if len(b) == 0 {
				return errDamaged
			}
			_ = err // a short Peek at the end of the file fails on the next round
			crc = crc32.Update(crc, crc32.IEEETable, b)
			r.Discard(len(b))
			remaining -= len(b)
		}
		var sum [4]byte
		if _, err := io.ReadFull(r, sum[:]); err != nil || binary.BigEndian.Uint32(sum[:]) != crc {
			return errDamaged
		}
		switch typ {
		case "IDAT":
			sawIDAT = true
		case "IEND":
			if !sawIDAT {
				return errDamaged
			}
			return nil
		}
	}
}

func verifyJPEG(r *bufio.Reader) error {
	var soi [2]byte
	if _, err := io.ReadFull(r, soi[:]); err != nil || soi != [2]byte{0xff, 0xd8} {
		return errDamaged
	}
	sawSOF, sawSOS := false, false
	for {
		// A marker: 0xFF (any fill bytes), then its code.
		b, err := r.ReadByte()
		if err != nil {
			return errDamaged
		}
		if b != 0xff {
			return errDamaged
		}
		code, err := r.ReadByte()
		for err == nil && code == 0xff {
			code, err = r.ReadByte()
		}
		if err != nil {
			return errDamaged
		}
		switch {
		case code == 0xd9: // EOI
			if !sawSOF || !sawSOS {
				return errDamaged
			}
			return nil
		case code >= 0xd0 && code <= 0xd7, code == 0x01: // RSTn, TEM: no length
			continue
		}
		var l [2]byte
		if _, err := io.ReadFull(r, l[:]); err != nil {
			return errDamaged
		}
		length := int(binary.BigEndian.Uint16(l[:]))
		if length < 2 {
			return errDamaged
		}
		if _, err := r.Discard(length - 2); err != nil {
			return errDamaged
		}
		if code >= 0xc0 && code <= 0xcf && code != 0xc4 && code != 0xc8 && code != 0xcc {
			sawSOF = true
		}
		if code == 0xda { // SOS: entropy-coded data up to the next marker
			sawSOS = true
			if err := skipEntropyData(r); err != nil {
				return err
			}
		}
	}
}

// skipEntropyData reads scan data up to (not including) the next marker
// that is not a stuffed zero or a restart marker.
func skipEntropyData(r *bufio.Reader) error {
	for {
		chunk, err := r.Peek(r.Buffered())
		if len(chunk) == 0 {
			if _, err = r.Peek(1); err != nil {
				return errDamaged
			}
			continue
		}
		i := bytes.IndexByte(chunk, 0xff)
		if i < 0 {
			r.Discard(len(chunk))
			continue
		}
		r.Discard(i)
		next, err := r.Peek(2)
		if err != nil {
			return errDamaged
		}
		if next[1] == 0x00 || (next[1] >= 0xd0 && next[1] <= 0xd7) || next[1] == 0xff {
			r.Discard(1)
			continue
		}
		return nil
	}
}

// verifyWebP walks the RIFF chunks to the end of the stream: each must fit
// in the RIFF size, and the last must end where the stream does, exactly
// at the RIFF size.
func verifyWebP(r *bufio.Reader) error {
	var head [12]byte
	if _, err := io.ReadFull(r, head[:]); err != nil || string(head[:4]) != "RIFF" || string(head[8:12]) != "WEBP" {
		return errDamaged
	}
	end := int64(binary.LittleEndian.Uint32(head[4:8])) + 8
	if end%2 != 0 {
		return errDamaged
	}
	off := int64(12)
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err == io.EOF {
			break
		} else if err != nil {
			return errDamaged
		}
		n := int64(binary.LittleEndian.Uint32(ch[4:8]))
		n += n & 1 // padding
		if off+8+n > end {
			return errDamaged
		}
		if _, err := r.Discard(int(n)); err != nil {
			return errDamaged
		}
		off += 8 + n
	}
	if off != end {
		return errDamaged
	}
	return nil
}
