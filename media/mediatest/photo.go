package mediatest

import (
	"bytes"
	endian "encoding/binary" // binary is versitygw.go's
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"testing"
)

// PhonePhoto is a width×height JPEG as a phone writes it, carrying every
// kind of metadata that betrays its owner, for the tests of metadata
// stripping (IMAGE_METADATA=strip): a JFIF APP0; an Exif APP1 in
// little-endian byte order whose IFD0 holds Orientation 6 (the stored
// pixels are shown turned a quarter clockwise, so displayed it is
// height×width), Make, Model, Artist and Copyright, whose Exif IFD holds a
// maker note, a body serial number and the date taken, with a GPS IFD
// (latitude and longitude) and an IFD1 holding an embedded JPEG thumbnail;
// an XMP APP1 with the GPS position; an ICC profile in an APP2
// (PhonePhotoICC); a Photoshop APP13 with an IPTC block; a comment; and
// after the end of the image a second, smaller JPEG, as phones append
// previews. PhonePhotoSecrets lists what of it must not survive stripping.
//
// The pixels, as stored, are red in the top-left quadrant, green in the
// top-right one, blue in the bottom-left one and grey elsewhere, so that a
// turn or a mirror shows.
func PhonePhoto(t testing.TB, width, height int) []byte {
	t.Helper()
	b, err := NewPhonePhoto(width, height)
	if err != nil {
		t.Fatalf("mediatest: %v", err)
	}
	return b
}

// NewPhonePhoto is PhonePhoto for a program (the end-to-end suite's
// fixtures: go run ./media/mediatest/phonephoto).
func NewPhonePhoto(width, height int) ([]byte, error) {
	main, err := encodeJPEG(quadrants(width, height), 90)
	if err != nil {
		return nil, fmt.Errorf("encoding the phone photo: %w", err)
	}
	var b bytes.Buffer
	b.Write(main[:2]) // SOI
	segment(&b, 0xe0, []byte("JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"))
	segment(&b, 0xe1, append([]byte("Exif\x00\x00"), phoneTIFF()...))
	segment(&b, 0xe1, append([]byte("http://ns.adobe.com/xap/1.0/\x00"), phoneXMP...))
	segment(&b, 0xe2, append([]byte("ICC_PROFILE\x00\x01\x01"), PhonePhotoICC()...))
	segment(&b, 0xed, photoshopIPTC())
	segment(&b, 0xfe, []byte(phoneComment))
	b.Write(main[2:])
	b.Write(appendedPreview())
	return b.Bytes(), nil
}

// PhonePhotoICC is the ICC profile PhonePhoto carries: a profile header
// (with "acsp" at offset 36 and "mediagraph-icc-1" as its profile ID)
// and an empty tag table. Stripping keeps it byte for byte.
func PhonePhotoICC() []byte {
	p := make([]byte, 132)
	endian.BigEndian.PutUint32(p[0:], uint32(len(p)))
	copy(p[4:], "mgph")                                  // preferred CMM
	endian.BigEndian.PutUint32(p[8:], 0x04300000)        // version 4.3
	copy(p[12:], "mntrRGB XYZ ")                         // class, colour space, PCS
	for i, v := range []uint16{2024, 5, 17, 14, 3, 22} { // created
		endian.BigEndian.PutUint16(p[24+2*i:], v)
	}
	copy(p[36:], "acsp")
	endian.BigEndian.PutUint32(p[68:], 0x0000f6d6) // D50 illuminant
	endian.BigEndian.PutUint32(p[72:], 0x00010000)
	endian.BigEndian.PutUint32(p[76:], 0x0000d32d)
	copy(p[80:], "mgph")             // creator
	copy(p[84:], "mediagraph-icc-1") // profile ID
	return p                         // tag count (at 128): 0
}

// PhonePhotoSecrets are byte strings of PhonePhoto's metadata, by what they
// are, none of which may be found in the photo once stripped: Exif text
// tags, the maker note, the serial number, the date taken, the GPS
// rationals, the XMP and IPTC contents, the comment, the embedded
// thumbnail and the appended preview.
func PhonePhotoSecrets() map[string][]byte {
	return map[string][]byte{
		"Exif Make":              []byte(phoneMake),
		"Exif Model":             []byte(phoneModel),
		"Exif Artist":            []byte(phoneArtist),
		"Exif Copyright":         []byte(phoneCopyright),
		"Exif BodySerialNumber":  []byte(phoneSerial),
		"Exif DateTimeOriginal":  []byte(phoneTaken),
		"Exif MakerNote":         makerNote(),
		"Exif GPSLatitude":       rationals(phoneLatitude[:]),
		"Exif GPSLongitude":      rationals(phoneLongitude[:]),
		"Exif thumbnail":         exifThumbnail(),
		"XMP packet":             []byte("http://ns.adobe.com/xap/1.0/"),
		"XMP GPSLatitude":        []byte("GPSLatitude"),
		"Photoshop IRB":          []byte("Photoshop 3.0"),
		"IPTC city":              []byte(phoneCity),
		"comment":                []byte(phoneComment),
		"appended preview (MPF)": appendedPreview(),
	}
}

const (
	phoneMake      = "Mediagraph Phone Co."
	phoneModel     = "MG-1 Pro Max"
	phoneArtist    = "Jane Q. Photographer"
	phoneCopyright = "Copyright Jane Q. Photographer"
	phoneSerial    = "SN-4815162342"
	phoneTaken     = "2024:05:17 14:03:22"
	phoneCity      = "Saint-Malo-de-Phily"
	phoneComment   = "serial 12345"
	phoneXMP       = `<?xpacket begin="` + "\ufeff" + `" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="47,52.0553N" exif:GPSLongitude="1,48.6283W"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`
)

// Degrees, minutes and seconds as rationals (numerator, denominator).
var (
	phoneLatitude  = [6]uint32{47, 1, 52, 1, 332, 100}
	phoneLongitude = [6]uint32{1, 1, 48, 1, 3769, 100}
)

func quadrants(w, h int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.RGBA{128, 128, 128, 255}
			switch left, top := x < w/2, y < h/2; {
			case left && top:
				c = color.RGBA{255, 0, 0, 255}
			case top:
				c = color.RGBA{0, 255, 0, 255}
			case left:
				c = color.RGBA{0, 0, 255, 255}
			}
			img.SetRGBA(x, y, c)
		}
	}
	return img
}

// gradient is a small image unlike quadrants, for the thumbnail and the
// preview.
func gradient(w, h int, tint uint8) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetRGBA(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), tint, 255})
		}
	}
	return img
}

func encodeJPEG(img image.Image, quality int) ([]byte, error) {
	var b bytes.Buffer
	err := jpeg.Encode(&b, img, &jpeg.Options{Quality: quality})
	return b.Bytes(), err
}

// mustEncodeJPEG encodes one of the fixed small images: jpeg.Encode into
// memory fails only for an empty image.
func mustEncodeJPEG(img image.Image) []byte {
	b, err := encodeJPEG(img, 75)
	if err != nil {
		panic("mediatest: " + err.Error())
	}
	return b
}

func exifThumbnail() []byte   { return mustEncodeJPEG(gradient(32, 24, 200)) }
func appendedPreview() []byte { return mustEncodeJPEG(gradient(64, 48, 40)) }

// segment writes a JPEG marker segment.
func segment(b *bytes.Buffer, code byte, payload []byte) {
	b.Write([]byte{0xff, code})
	endian.Write(b, endian.BigEndian, uint16(len(payload)+2))
	b.Write(payload)
}

func makerNote() []byte {
	note := []byte("MGMAKERNOTE\x00")
	for i := len(note); i < 200; i++ {
		note = append(note, byte(i*31))
	}
	return note
}

func rationals(v []uint32) []byte {
	var b []byte
	for _, n := range v {
		b = endian.LittleEndian.AppendUint32(b, n)
	}
	return b
}

// tiffEntry is a TIFF directory entry with its value, little-endian.
type tiffEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte
}

const (
	tiffByte      = 1
	tiffASCII     = 2
	tiffShort     = 3
	tiffLong      = 4
	tiffRational  = 5
	tiffUndefined = 7
)

func asciiEntry(tag uint16, s string) tiffEntry {
	return tiffEntry{tag, tiffASCII, uint32(len(s) + 1), append([]byte(s), 0)}
}

func longEntry(tag uint16, v uint32) tiffEntry {
	return tiffEntry{tag, tiffLong, 1, endian.LittleEndian.AppendUint32(nil, v)}
}

// ifdSize is the size of a directory with its values that do not fit in
// their entries (each padded to an even size).
func ifdSize(entries []tiffEntry) uint32 {
	n := 2 + 12*len(entries) + 4
	for _, e := range entries {
		if len(e.value) > 4 {
			n += len(e.value) + len(e.value)%2
		}
	}
	return uint32(n)
}

// appendIFD appends a directory at offset len(b) of the TIFF, its
// entries' values after it, and the offset of the next directory.
func appendIFD(b []byte, entries []tiffEntry, next uint32) []byte {
	le := endian.LittleEndian
	values := uint32(len(b)) + 2 + 12*uint32(len(entries)) + 4
	var tail []byte
	b = le.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		b = le.AppendUint16(b, e.tag)
		b = le.AppendUint16(b, e.typ)
		b = le.AppendUint32(b, e.count)
		if len(e.value) <= 4 {
			var v [4]byte
			copy(v[:], e.value)
			b = append(b, v[:]...)
			continue
		}
		b = le.AppendUint32(b, values+uint32(len(tail)))
		tail = append(tail, e.value...)
		if len(e.value)%2 == 1 {
			tail = append(tail, 0)
		}
	}
	b = le.AppendUint32(b, next)
	return append(b, tail...)
}

// phoneTIFF is the Exif APP1's TIFF structure: IFD0, the Exif IFD, the GPS
// IFD, IFD1 and its thumbnail, in that order.
func phoneTIFF() []byte {
	thumb := exifThumbnail()
	exif := []tiffEntry{
		asciiEntry(0x9003, phoneTaken),                                 // DateTimeOriginal
		{0x927c, tiffUndefined, uint32(len(makerNote())), makerNote()}, // MakerNote
		asciiEntry(0xa431, phoneSerial),                                // BodySerialNumber
	}
	gps := []tiffEntry{
		{0x0000, tiffByte, 4, []byte{2, 3, 0, 0}}, // GPSVersionID
		asciiEntry(0x0001, "N"),
		{0x0002, tiffRational, 3, rationals(phoneLatitude[:])},
		asciiEntry(0x0003, "W"),
		{0x0004, tiffRational, 3, rationals(phoneLongitude[:])},
	}
	ifd1 := []tiffEntry{
		{0x0103, tiffShort, 1, []byte{6, 0}},  // Compression: JPEG
		longEntry(0x0201, 0),                  // JPEGInterchangeFormat, set below
		longEntry(0x0202, uint32(len(thumb))), // JPEGInterchangeFormatLength
	}
	ifd0 := []tiffEntry{
		asciiEntry(0x010f, phoneMake),
		asciiEntry(0x0110, phoneModel),
		{0x0112, tiffShort, 1, []byte{6, 0}}, // Orientation: turn a quarter clockwise
		asciiEntry(0x013b, phoneArtist),
		asciiEntry(0x8298, phoneCopyright),
		longEntry(0x8769, 0), // Exif IFD, set below
		longEntry(0x8825, 0), // GPS IFD, set below
	}
	// The sizes do not depend on the offsets (each fits in its entry).
	at0 := uint32(8)
	atExif := at0 + ifdSize(ifd0)
	atGPS := atExif + ifdSize(exif)
	at1 := atGPS + ifdSize(gps)
	atThumb := at1 + ifdSize(ifd1)
	ifd0[5] = longEntry(0x8769, atExif)
	ifd0[6] = longEntry(0x8825, atGPS)
	ifd1[1] = longEntry(0x0201, atThumb)

	b := []byte("II*\x00\x08\x00\x00\x00")
	b = appendIFD(b, ifd0, at1)
	b = appendIFD(b, exif, 0)
	b = appendIFD(b, gps, 0)
	b = appendIFD(b, ifd1, 0)
	return append(b, thumb...)
}

// photoshopIPTC is a Photoshop APP13 payload: one image resource block
// (0x0404) holding IPTC records.
func photoshopIPTC() []byte {
	var iptc []byte
	for _, ds := range []struct {
		tag   byte
		value string
	}{
		{0, "\x00\x04"}, // record version
		{80, phoneArtist},
		{90, phoneCity},
		{116, phoneCopyright},
	} {
		iptc = append(iptc, 0x1c, 2, ds.tag)
		iptc = endian.BigEndian.AppendUint16(iptc, uint16(len(ds.value)))
		iptc = append(iptc, ds.value...)
	}
	b := []byte("Photoshop 3.0\x008BIM\x04\x04\x00\x00")
	b = endian.BigEndian.AppendUint32(b, uint32(len(iptc)))
	b = append(b, iptc...)
	if len(iptc)%2 == 1 {
		b = append(b, 0)
	}
	return b
}
