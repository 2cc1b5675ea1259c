package media

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"unsafe"

	"golang.org/x/image/webp"

	"mediagraph/media/mediatest"
)

// The tests of photo hygiene (metadata.go) and of what Stage tells of an
// image as displayed (Orientation, Width and Height, Alpha).

// metadataStore is a store on a fresh local directory that strips image
// metadata or keeps it.
func metadataStore(t testing.TB, strip bool) *Store {
	t.Helper()
	s, err := OpenWith(context.Background(), t.TempDir(), Options{StripMetadata: strip})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// stageStored stages r and stores it: the Staged (its fields stay once
// stored) and the stored bytes.
func stageStored(t *testing.T, s *Store, r io.Reader, name string) (*Staged, []byte) {
	t.Helper()
	ctx := context.Background()
	st, err := s.Stage(ctx, r, name, 20<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	file, err := s.Put(ctx, "products/images/", st)
	if err != nil {
		t.Fatal(err)
	}
	rc, err := s.Open(ctx, file.Key)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	stored, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if file.Size != int64(len(stored)) || file.Size != st.Size {
		t.Errorf("File.Size %d, Staged.Size %d, %d bytes stored", file.Size, st.Size, len(stored))
	}
	if sum := sha256.Sum256(stored); st.SHA256 != hex.EncodeToString(sum[:]) || file.SHA256 != st.SHA256 {
		t.Errorf("SHA256 %s is not that of the stored bytes", st.SHA256)
	}
	return st, stored
}

// jpegSegment is a marker segment of a JPEG's header.
type jpegSegment struct {
	code    byte
	payload []byte
}

// jpegHeader lists a JPEG's segments from SOI to its first start of scan
// (included).
func jpegHeader(t *testing.T, b []byte) []jpegSegment {
	t.Helper()
	if !bytes.HasPrefix(b, []byte{0xff, 0xd8}) {
		t.Fatalf("not a JPEG: % x", b[:min(len(b), 4)])
	}
	var segs []jpegSegment
	for i := 2; ; {
		if i+4 > len(b) || b[i] != 0xff {
			t.Fatalf("no segment at %d", i)
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		segs = append(segs, jpegSegment{b[i+1], b[i+4 : i+2+n]})
		if b[i+1] == 0xda {
			return segs
		}
		i += 2 + n
	}
}

func codes(segs []jpegSegment) []byte {
	var c []byte
	for _, s := range segs {
		c = append(c, s.code)
	}
	return c
}

// samePixels reports whether two images have the same bounds and pixels.
func samePixels(a, b image.Image) bool {
	if a.Bounds() != b.Bounds() {
		return false
	}
	if ya, ok := a.(*image.YCbCr); ok {
		yb, ok := b.(*image.YCbCr)
		return ok && bytes.Equal(ya.Y, yb.Y) && bytes.Equal(ya.Cb, yb.Cb) && bytes.Equal(ya.Cr, yb.Cr)
	}
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				r1, g1, b1, a1 := a.At(x, y).RGBA()
				r2, g2, b2, a2 := b.At(x, y).RGBA()
				if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
					return false
				}
			}
		}
	}
	return true
}

func decodeWith(t *testing.T, decode func(io.Reader) (image.Image, error), b []byte) image.Image {
	t.Helper()
	img, err := decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decoding: %v", err)
	}
	return img
}

// TestStripPhonePhoto: a phone's photo is stored without anything that
// betrays its owner, keeping its colour profile and orientation, decoding
// to the very pixels that were sent; Size and SHA256 are those of the
// stored bytes, Width and Height the size displayed.
func TestStripPhonePhoto(t *testing.T) {
	s := metadataStore(t, true)
	sent := mediatest.PhonePhoto(t, 400, 300)
	ctx := context.Background()
	st, err := s.Stage(ctx, bytes.NewReader(sent), "IMG_0001.JPG", 10<<20)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := s.Check(ctx, ImageRule("ProductImage.image", 10<<20, 300, 300, 40_000_000), st); err != nil {
		t.Fatalf("Check: %v", err)
	}
	st.Close()
	st, stored := stageStored(t, s, bytes.NewReader(sent), "IMG_0001.JPG")

	for what, secret := range mediatest.PhonePhotoSecrets() {
		if !bytes.Contains(sent, secret) {
			t.Fatalf("the fixture lacks its %s", what)
		}
		if bytes.Contains(stored, secret) {
			t.Errorf("the stored photo still holds its %s", what)
		}
	}
	header := jpegHeader(t, stored)
	// JFIF, the minimal Exif, the ICC profile, then what Go's encoder
	// wrote: DQT, SOF0, DHT, SOS.
	if got, want := codes(header), []byte{0xe0, 0xe1, 0xe2, 0xdb, 0xc0, 0xc4, 0xda}; !bytes.Equal(got, want) {
		t.Errorf("segments % x, want % x", got, want)
	}
	for _, seg := range header {
		switch seg.code {
		case 0xe1:
			if want := minimalExif(6)[4:]; !bytes.Equal(seg.payload, want) {
				t.Errorf("Exif APP1 % x, want % x", seg.payload, want)
			}
		case 0xe2:
			if want := append([]byte("ICC_PROFILE\x00\x01\x01"), mediatest.PhonePhotoICC()...); !bytes.Equal(seg.payload, want) {
				t.Errorf("ICC profile not kept byte for byte")
			}
		}
	}
	if got := jpegOrientation(stored); got != 6 {
		t.Errorf("stored orientation %d, want 6", got)
	}
	if !bytes.HasSuffix(stored, []byte{0xff, 0xd9}) {
		t.Errorf("stored photo does not end with its EOI: % x", stored[len(stored)-4:])
	}
	if !samePixels(decodeWith(t, jpeg.Decode, sent), decodeWith(t, jpeg.Decode, stored)) {
		t.Error("the stored photo does not decode to the pixels sent")
	}
	if st.Orientation != 6 || st.Width != 300 || st.Height != 400 || st.Alpha || st.ContentType != TypeJPEG {
		t.Errorf("staged: orientation %d, %d×%d, alpha %v, %s; want 6, 300×400 (displayed), false, image/jpeg", st.Orientation, st.Width, st.Height, st.Alpha, st.ContentType)
	}
	if st.Size >= int64(len(sent)) {
		t.Errorf("stored %d bytes of %d", st.Size, len(sent))
	}
}

// TestKeepPhonePhoto: without StripMetadata the photo is stored as sent;
// its size is still the one displayed.
func TestKeepPhonePhoto(t *testing.T) {
	s := metadataStore(t, false)
	sent := mediatest.PhonePhoto(t, 400, 300)
	st, stored := stageStored(t, s, bytes.NewReader(sent), "IMG_0001.JPG")
	if !bytes.Equal(stored, sent) {
		t.Error("the stored photo differs from the one sent")
	}
	if st.Orientation != 6 || st.Width != 300 || st.Height != 400 || st.Size != int64(len(sent)) {
		t.Errorf("staged: orientation %d, %d×%d, %d bytes; want 6, 300×400, %d", st.Orientation, st.Width, st.Height, st.Size, len(sent))
	}
}

// plainJPEG is a w×h JPEG as Go's encoder writes it: nothing to strip.
func plainJPEG(t testing.TB, w, h int, noise bool) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 3)
		if noise {
			img.Pix[i] = byte(rng.Uint32())
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// seg is a JPEG marker segment's bytes.
func seg(code byte, payload string) string {
	return string([]byte{0xff, code, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}) + payload
}

// exifPayload is an Exif APP1 payload whose IFD0 holds the entries given (tag,
// type, value as a SHORT), in the byte order given.
func exifPayload(order binary.AppendByteOrder, entries ...[3]uint16) string {
	b := []byte("Exif\x00\x00")
	if order == binary.BigEndian {
		b = append(b, "MM\x00*"...)
	} else {
		b = append(b, "II*\x00"...)
	}
	b = order.AppendUint32(b, 8)
	b = order.AppendUint16(b, uint16(len(entries)))
	for _, e := range entries {
		b = order.AppendUint16(b, e[0])
		b = order.AppendUint16(b, e[1])
		b = order.AppendUint32(b, 1)
		b = order.AppendUint16(b, e[2])
		b = append(b, 0, 0)
	}
	return string(order.AppendUint32(b, 0))
}

// runFilter feeds b to a new filter for contentType in chunks of the sizes
// given (cycling; all at once when none) and returns what it stores. It
// copies each output at once and then scribbles over the input chunk, as
// the reuse of a read buffer would: a filter that kept a reference to its
// input would show.
func runFilter(t testing.TB, contentType string, b []byte, sizes ...int) []byte {
	f := newMetadataFilter(contentType)
	var stored []byte
	take := func(out [][]byte) {
		for _, o := range out {
			if len(o) == 0 {
				t.Fatal("empty slice in the output")
			}
			stored = append(stored, o...)
		}
	}
	for k := 0; len(b) > 0; k++ {
		n := len(b)
		if len(sizes) > 0 {
			n = min(n, sizes[k%len(sizes)])
		}
		chunk := bytes.Clone(b[:n])
		take(f.filter(chunk, nil))
		if !bytes.Equal(chunk, b[:n]) {
			t.Fatalf("%s filter wrote into its input", contentType)
		}
		for i := range chunk {
			chunk[i] = 0xa5
		}
		b = b[n:]
		if h := heldBytes(f); h > 2+0xffff {
			t.Fatalf("%s filter holds %d bytes", contentType, h)
		}
	}
	take(f.end(nil))
	return stored
}

// heldBytes is how much a filter holds back.
func heldBytes(f metadataFilter) int {
	switch f := f.(type) {
	case *jpegFilter:
		return len(f.pend)
	case *pngFilter:
		return len(f.pend)
	case *webpFilter:
		return len(f.pend)
	}
	return 0
}

// TestStripJPEGSegments: which segments a JPEG keeps, which it loses, and
// how its Exif is rewritten; the result decodes to the same pixels, cut
// anywhere.
func TestStripJPEGSegments(t *testing.T) {
	plain := string(plainJPEG(t, 64, 48, false))
	soi, body := plain[:2], plain[2:]
	eoi := len(body) - 2 // the scan data ends there
	le, be := binary.LittleEndian, binary.BigEndian
	icc1, icc2 := seg(0xe2, "ICC_PROFILE\x00\x01\x02first half"), seg(0xe2, "ICC_PROFILE\x00\x02\x02second half")
	jfif := seg(0xe0, "JFIF\x00\x01\x02\x00\x00\x01\x00\x01\x00\x00")
	adobe := seg(0xee, "Adobe\x00\x64\x00\x00\x00\x00\x01")
	tests := []struct {
		name       string
		sent, want string
	}{
		{"nothing to strip", plain, plain},
		{"JFIF kept, JFXX thumbnail dropped", soi + jfif + seg(0xe0, "JFXX\x00\x10thumbnail") + body, soi + jfif + body},
		{"every ICC chunk kept, MPF and FlashPix dropped", soi + icc1 + seg(0xe2, "MPF\x00II*\x00") + seg(0xe2, "FPXR\x00\x00") + icc2 + body, soi + icc1 + icc2 + body},
		{"Adobe kept", soi + adobe + body, soi + adobe + body},
		{"JFIF thumbnail dropped", soi + seg(0xe0, "JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x02\x01\x10\x20\x30\x40\x50\x60") + body, soi + seg(0xe0, "JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x00\x00") + body},
		{"JFIF thumbnail after the scan", soi + body[:eoi] + seg(0xe0, "JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x01\x01\x10\x20\x30") + body[eoi:], soi + body[:eoi] + seg(0xe0, "JFIF\x00\x01\x02\x01\x00\x48\x00\x48\x00\x00") + body[eoi:]},
		{"Exif big-endian, orientation 3", soi + seg(0xe1, exifPayload(be, [3]uint16{0x010f, 3, 7}, [3]uint16{0x0112, 3, 3})) + body, soi + string(minimalExif(3)) + body},
		{"Exif little-endian, orientation 8", soi + seg(0xe1, exifPayload(le, [3]uint16{0x0112, 3, 8})) + body, soi + string(minimalExif(8)) + body},
		{"Exif without orientation", soi + seg(0xe1, exifPayload(le, [3]uint16{0x010f, 3, 7})) + body, soi + body},
		{"Exif orientation 9", soi + seg(0xe1, exifPayload(le, [3]uint16{0x0112, 3, 9})) + body, soi + body},
		{"Exif orientation as a LONG", soi + seg(0xe1, exifPayload(le, [3]uint16{0x0112, 4, 6})) + body, soi + body},
		{"Exif cut short", soi + seg(0xe1, "Exif\x00\x00II*\x00\x08\x00") + body, soi + body},
		{"XMP and extended XMP", soi + seg(0xe1, "http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta/>") + seg(0xe1, "http://ns.adobe.com/xmp/extension/\x00GUID") + body, soi + body},
		{"APP3 to APP13, APP15, COM", soi + seg(0xe3, "x") + seg(0xed, "Photoshop 3.0\x00") + seg(0xef, "y") + seg(0xfe, "serial 12345") + seg(0xe9, "") + body, soi + body},
		{"an application segment too short for its identifier", soi + seg(0xe2, "ICC") + seg(0xe0, "") + body, soi + body},
		{"fill bytes before markers", soi + "\xff\xff" + seg(0xfe, "c") + "\xff" + body, soi + body},
		{"data after EOI", plain + "\xff\xd8appended preview\xff\xd9", plain},
		// After scan data every 0xFF passes as it comes: that of a dropped
		// segment stays as a fill byte before the next marker.
		{"comment after the scan", soi + body[:eoi] + seg(0xfe, "late comment") + body[eoi:], soi + body[:eoi] + "\xff" + body[eoi:]},
		{"Exif after the scan", soi + body[:eoi] + seg(0xe1, exifPayload(be, [3]uint16{0x0112, 3, 6})) + body[eoi:], soi + body[:eoi] + string(minimalExif(6)) + body[eoi:]},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, sizes := range [][]int{nil, {1}, {2}, {3}, {7}, {4096}, {5, 1, 13, 2}} {
				got := runFilter(t, TypeJPEG, []byte(tc.sent), sizes...)
				if string(got) != tc.want {
					t.Fatalf("in chunks of %v:\n got % x\nwant % x", sizes, got, tc.want)
				}
			}
			if verifyImage(TypeJPEG, strings.NewReader(tc.sent)) != nil {
				t.Fatal("the fixture is not a whole JPEG")
			}
			want := decodeWith(t, jpeg.Decode, []byte(tc.sent))
			if !samePixels(want, decodeWith(t, jpeg.Decode, []byte(tc.want))) {
				t.Error("decodes to other pixels")
			}
		})
	}
}

// TestJPEGOrientation: the orientation read from a JPEG's first bytes.
func TestJPEGOrientation(t *testing.T) {
	le, be := binary.LittleEndian, binary.BigEndian
	sof := seg(0xc0, "\x08\x00\x10\x00\x10\x01\x01\x11\x00")
	sos := seg(0xda, "\x01\x01\x00\x00\x3f\x00")
	tests := []struct {
		name string
		head string
		want int
	}{
		{"no Exif", "\xff\xd8" + sof + sos, 1},
		{"little-endian 6", "\xff\xd8" + seg(0xe0, "JFIF\x00") + seg(0xe1, exifPayload(le, [3]uint16{0x0112, 3, 6})) + sof + sos, 6},
		{"big-endian 8", "\xff\xd8" + seg(0xe1, exifPayload(be, [3]uint16{0x010f, 3, 1}, [3]uint16{0x0112, 3, 8})) + sos, 8},
		{"the minimal Exif", "\xff\xd8" + string(minimalExif(5)) + sos, 5},
		{"0 is invalid", "\xff\xd8" + seg(0xe1, exifPayload(le, [3]uint16{0x0112, 3, 0})) + sos, 1},
		{"9 is out of range", "\xff\xd8" + seg(0xe1, exifPayload(le, [3]uint16{0x0112, 3, 9})) + sos, 1},
		{"not a SHORT", "\xff\xd8" + seg(0xe1, exifPayload(le, [3]uint16{0x0112, 4, 6})) + sos, 1},
		{"XMP, not Exif", "\xff\xd8" + seg(0xe1, "http://ns.adobe.com/xap/1.0/\x00tiff:Orientation=6") + sos, 1},
		{"Exif after the start of scan", "\xff\xd8" + sos + seg(0xe1, exifPayload(le, [3]uint16{0x0112, 3, 6})), 1},
		{"IFD offset out of range", "\xff\xd8" + seg(0xe1, "Exif\x00\x00II*\x00\xff\xff\x00\x00") + sos, 1},
		{"head cut in the Exif", "\xff\xd8" + seg(0xe1, exifPayload(le, [3]uint16{0x0112, 3, 6}))[:20], 1},
		{"not a JPEG", "\x89PNG\r\n\x1a\n", 1},
		{"empty", "", 1},
	}
	for _, tc := range tests {
		if got := jpegOrientation([]byte(tc.head)); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
}

// pngChunk is a PNG chunk's bytes.
func pngChunk(typ string, data []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	b = append(b, typ...)
	b = append(b, data...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

// pngChunks splits an encoded PNG into its chunks (after the signature).
func pngChunks(b []byte) [][]byte {
	var chunks [][]byte
	for b = b[8:]; len(b) >= 12; {
		n := 12 + int(binary.BigEndian.Uint32(b))
		chunks = append(chunks, b[:n])
		b = b[n:]
	}
	return chunks
}

func encodePNG(t testing.TB, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// pngWithMetadata is an opaque RGB PNG (colour type 2) carrying a tRNS
// chunk (one colour transparent), gAMA and iCCP, which stripping keeps,
// and tEXt, iTXt (XMP), eXIf, tIME and a private chunk, which it drops,
// then data after IEND: what is sent, and what must be stored.
func pngWithMetadata(t testing.TB) (sent, stored []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for i := range img.Pix {
		img.Pix[i] = byte(i / 4 % 5 * 60)
		if i%4 == 3 {
			img.Pix[i] = 255
		}
	}
	var profile bytes.Buffer
	zw := zlib.NewWriter(&profile)
	zw.Write(mediatest.PhonePhotoICC())
	zw.Close()
	chunks := pngChunks(encodePNG(t, img))
	ihdr, data, iend := chunks[0], chunks[1:len(chunks)-1], chunks[len(chunks)-1]
	kept := [][]byte{
		pngChunk("gAMA", []byte{0, 0, 0xb1, 0x8f}),
		pngChunk("iCCP", append([]byte("mediagraph\x00\x00"), profile.Bytes()...)),
		pngChunk("tRNS", []byte{0, 0, 0, 0, 0, 0}), // black, as the first pixel
	}
	dropped := [][]byte{
		pngChunk("tEXt", []byte("Author\x00Jane Q. Photographer")),
		pngChunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00<x:xmpmeta><rdf:Description exif:GPSLatitude=\"47,52.0553N\"/></x:xmpmeta>")),
		pngChunk("eXIf", []byte("MM\x00*\x00\x00\x00\x08SN-4815162342")),
		pngChunk("prVt", []byte("private data")),
	}
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	signature := []byte("\x89PNG\r\n\x1a\n")
	sent = join(signature, ihdr, kept[0], dropped[0], kept[1], dropped[1], kept[2], dropped[2], dropped[3])
	stored = join(signature, ihdr, kept[0], kept[1], kept[2])
	for _, d := range data {
		sent, stored = join(sent, d), join(stored, d)
	}
	tIME := pngChunk("tIME", []byte{0x07, 0xe8, 5, 17, 14, 3, 22})
	sent = join(sent, tIME, iend, []byte("data after IEND"))
	stored = join(stored, iend)
	return sent, stored
}

// TestStripPNG: a PNG loses its text, XMP, Exif, time and private chunks
// and whatever follows IEND; every other chunk is kept byte for byte, and
// it decodes to the same pixels. A PNG without metadata is stored as sent.
func TestStripPNG(t *testing.T) {
	s := metadataStore(t, true)
	sent, want := pngWithMetadata(t)
	st, stored := stageStored(t, s, bytes.NewReader(sent), "a.png")
	if !bytes.Equal(stored, want) {
		t.Errorf("stored %d bytes, want %d: the chunks kept, byte for byte", len(stored), len(want))
	}
	for _, secret := range []string{"tEXt", "Jane Q.", "iTXt", "GPSLatitude", "eXIf", "SN-4815162342", "tIME", "prVt", "after IEND"} {
		if bytes.Contains(stored, []byte(secret)) {
			t.Errorf("stored PNG holds %q", secret)
		}
	}
	decoded := decodeWith(t, png.Decode, stored)
	if !samePixels(decodeWith(t, png.Decode, sent), decoded) {
		t.Error("decodes to other pixels")
	}
	if _, _, _, a := decoded.At(0, 0).RGBA(); a != 0 {
		t.Error("the tRNS colour is not transparent")
	}
	if !st.Alpha || st.Width != 40 || st.Height != 30 || st.Orientation != 1 {
		t.Errorf("staged: alpha %v, %d×%d, orientation %d; want true (tRNS), 40×30, 1", st.Alpha, st.Width, st.Height, st.Orientation)
	}

	plain := encodePNG(t, image.NewRGBA(image.Rect(0, 0, 300, 300)))
	if _, stored := stageStored(t, s, bytes.NewReader(plain), "b.png"); !bytes.Equal(stored, plain) {
		t.Error("a PNG without metadata is not stored as sent")
	}
}

// bitWriter packs bits least significant first (VP8L order).
type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) write(v uint32, n uint) {
	w.acc |= uint64(v&(1<<n-1)) << w.nbits
	for w.nbits += n; w.nbits >= 8; w.nbits -= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
	}
}

// vp8l is a lossless bitstream of a w×h image of one colour (each prefix
// code a single symbol, so every pixel takes no bits).
func vp8l(w, h int, alpha uint32) []byte {
	var bits bitWriter
	bits.write(0x2f, 8)
	bits.write(uint32(w-1), 14)
	bits.write(uint32(h-1), 14)
	bits.write(1, 1) // alpha is used
	bits.write(0, 3) // version
	bits.write(0, 1) // no transform
	bits.write(0, 1) // no colour cache
	bits.write(0, 1) // no meta prefix codes
	for _, symbol := range []uint32{0x80, 0x40, 0x20, alpha, 0} {
		bits.write(1, 1) // simple code
		bits.write(0, 1) // one symbol
		bits.write(1, 1) // of 8 bits
		bits.write(symbol, 8)
	}
	if bits.nbits > 0 {
		bits.buf = append(bits.buf, byte(bits.acc))
	}
	return bits.buf
}

// riffChunk is a RIFF chunk's bytes, padded to an even size.
func riffChunk(fourcc string, data []byte) []byte {
	b := binary.LittleEndian.AppendUint32([]byte(fourcc), uint32(len(data)))
	b = append(b, data...)
	if len(data)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

// webpFile is a WebP of the chunks given.
func webpFile(chunks ...[]byte) []byte {
	body := bytes.Join(chunks, nil)
	b := binary.LittleEndian.AppendUint32([]byte("RIFF"), uint32(4+len(body)))
	return append(append(b, "WEBP"...), body...)
}

// vp8x is a VP8X chunk with the flags given for a w×h canvas.
func vp8x(flags byte, w, h int) []byte {
	data := []byte{flags, 0, 0, 0, byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16), byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)}
	return riffChunk("VP8X", data)
}

const (
	webpEXIF = "MM\x00*\x00\x00\x00\x08GPS 47,52.0553N SN-4815162342!" // odd: padded
	webpXMP  = "<x:xmpmeta><rdf:Description exif:GPSLatitude=\"47,52.0553N\"/></x:xmpmeta>"
)

// TestStripWebP: a WebP keeps its size, its metadata chunks blanked in
// place and their flags cleared; it still decodes, to the same pixels.
func TestStripWebP(t *testing.T) {
	s := metadataStore(t, true)
	pixels := vp8l(320, 310, 0xff)
	simple := webpFile(riffChunk("VP8L", pixels))
	icc := riffChunk("ICCP", mediatest.PhonePhotoICC())
	exif, xmp := riffChunk("EXIF", []byte(webpEXIF)), riffChunk("XMP ", []byte(webpXMP))
	const flags = 0x20 | 0x08 | 0x04 // ICC, EXIF, XMP
	tests := []struct {
		name string
		sent []byte
	}{
		{"metadata after the image (as the specification orders)", webpFile(vp8x(flags, 320, 310), icc, riffChunk("VP8L", pixels), exif, xmp)},
		// golang.org/x/image/webp stops at the image: blanked chunks before
		// it show that it skips them.
		{"metadata before the image", webpFile(vp8x(flags, 320, 310), icc, xmp, exif, riffChunk("VP8L", pixels))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, stored := stageStored(t, s, bytes.NewReader(tc.sent), "a.webp")
			if len(stored) != len(tc.sent) {
				t.Fatalf("stored %d bytes of %d: the RIFF size would lie", len(stored), len(tc.sent))
			}
			for _, secret := range []string{webpEXIF, webpXMP, "GPSLatitude", "SN-4815162342", "EXIF", "XMP "} {
				if bytes.Contains(stored, []byte(secret)) {
					t.Errorf("stored WebP holds %q", secret)
				}
			}
			if got := strings.Count(string(stored), webpBlankChunk); got != 2 {
				t.Errorf("%d chunks blanked, want 2", got)
			}
			if stored[20] != 0x20 {
				t.Errorf("VP8X flags %#x, want %#x (ICC only)", stored[20], 0x20)
			}
			if !bytes.Contains(stored, icc) {
				t.Error("ICC profile not kept byte for byte")
			}
			if verifyImage(TypeWebP, bytes.NewReader(stored)) != nil {
				t.Error("the stored WebP is not whole")
			}
			if !samePixels(decodeWith(t, webp.Decode, simple), decodeWith(t, webp.Decode, stored)) {
				t.Error("decodes to other pixels")
			}
			if st.Width != 320 || st.Height != 310 || st.Alpha || st.Orientation != 1 {
				t.Errorf("staged: %d×%d, alpha %v, orientation %d; want 320×310, false (no VP8X alpha flag), 1", st.Width, st.Height, st.Alpha, st.Orientation)
			}
		})
	}
	if _, stored := stageStored(t, s, bytes.NewReader(simple), "b.webp"); !bytes.Equal(stored, simple) {
		t.Error("a WebP without metadata is not stored as sent")
	}
}

// nReader returns at most n bytes a read.
type nReader struct {
	r io.Reader
	n int
}

func (r nReader) Read(p []byte) (int, error) { return r.r.Read(p[:min(len(p), r.n)]) }

// TestStripSplitReads: however the photo arrives, in reads of 1, 2, 3, 7
// or 4096 bytes, half reads or with its last bytes and EOF together, the
// same bytes are stored; and the filters give the same output however
// their input is cut.
func TestStripSplitReads(t *testing.T) {
	s := metadataStore(t, true)
	sent := mediatest.PhonePhoto(t, 400, 300)
	_, want := stageStored(t, s, bytes.NewReader(sent), "a.jpg")
	readers := map[string]io.Reader{
		"one byte":   iotest.OneByteReader(bytes.NewReader(sent)),
		"two bytes":  nReader{bytes.NewReader(sent), 2},
		"3 bytes":    nReader{bytes.NewReader(sent), 3},
		"7 bytes":    nReader{bytes.NewReader(sent), 7},
		"4096 bytes": nReader{bytes.NewReader(sent), 4096},
		"half reads": iotest.HalfReader(bytes.NewReader(sent)),
		"data + EOF": iotest.DataErrReader(bytes.NewReader(sent)),
	}
	for name, r := range readers {
		if _, stored := stageStored(t, s, r, "a.jpg"); !bytes.Equal(stored, want) {
			t.Errorf("%s: other bytes stored", name)
		}
	}

	pngSent, pngWant := pngWithMetadata(t)
	webpSent := webpFile(vp8x(0x0c, 16, 16), riffChunk("VP8L", vp8l(16, 16, 0xff)), riffChunk("EXIF", []byte(webpEXIF)), riffChunk("XMP ", []byte(webpXMP)))
	fixtures := []struct {
		contentType string
		sent, want  []byte
	}{
		{TypeJPEG, sent, want},
		{TypePNG, pngSent, pngWant},
		{TypeWebP, webpSent, runFilter(t, TypeWebP, webpSent)},
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, fx := range fixtures {
		for _, sizes := range [][]int{{1}, {2}, {3}, {7}, {4096}, {rng.IntN(100) + 1, rng.IntN(10) + 1, rng.IntN(1000) + 1}} {
			if got := runFilter(t, fx.contentType, fx.sent, sizes...); !bytes.Equal(got, fx.want) {
				t.Errorf("%s in chunks of %v: other output", fx.contentType, sizes)
			}
		}
	}
}

// TestMetadataFilterPassesChunksWhole: where there is nothing to strip, a
// filter gives back the very slices it was given, so that a staged file
// is still written past the page cache (directWriter takes aligned
// buffers only). (A PNG chunk header or a RIFF one cut between two read
// buffers, or a JPEG marker before the first scan, is held back until it
// can be decided: the rest of such a file goes through the page cache.)
func TestMetadataFilterPassesChunksWhole(t *testing.T) {
	// A PNG of one IDAT chunk, so that no chunk header is cut.
	chunks := pngChunks(randomPNG(t, 400, 400))
	onePNG := append([]byte("\x89PNG\r\n\x1a\n"), chunks[0]...)
	var idat []byte
	for _, c := range chunks[1 : len(chunks)-1] {
		idat = append(idat, c[8:len(c)-4]...)
	}
	onePNG = append(append(onePNG, pngChunk("IDAT", idat)...), chunks[len(chunks)-1]...)
	for _, fx := range []struct {
		contentType string
		body        []byte
	}{
		{TypeJPEG, plainJPEG(t, 800, 600, true)},
		{TypePNG, onePNG},
		{TypeWebP, webpFile(riffChunk("VP8L", vp8l(16, 16, 0xff)), riffChunk("ICCP", bytes.Repeat([]byte{7}, 300<<10)))},
	} {
		if len(fx.body) < 2*readAheadSize {
			t.Fatalf("%s fixture of %d bytes: too short to cross read-ahead buffers", fx.contentType, len(fx.body))
		}
		f := newMetadataFilter(fx.contentType)
		for b := fx.body; len(b) > 0; {
			chunk := b[:min(len(b), readAheadSize)]
			b = b[len(chunk):]
			out := f.filter(chunk, nil)
			if len(out) != 1 || unsafe.SliceData(out[0]) != unsafe.SliceData(chunk) || len(out[0]) != len(chunk) {
				t.Fatalf("%s: a chunk of %d bytes came out as %d slices", fx.contentType, len(chunk), len(out))
			}
		}
		if out := f.end(nil); len(out) != 0 {
			t.Fatalf("%s: end gave %d slices", fx.contentType, len(out))
		}
	}
}

// TestStripExceeded: past the limit the stream is no longer filtered, and
// the file is refused as too large.
func TestStripExceeded(t *testing.T) {
	s := metadataStore(t, true)
	sent := mediatest.PhonePhoto(t, 400, 300)
	st, err := s.Stage(context.Background(), bytes.NewReader(sent), "a.jpg", 1000)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if !st.Exceeded || st.Size > 1001 {
		t.Errorf("exceeded %v, size %d; want true, at most 1001", st.Exceeded, st.Size)
	}
	if err := s.Check(context.Background(), ImageRule("x", 1000, 0, 0, 0), st); codeOfErr(err) != CodeFileTooLarge {
		t.Errorf("Check = %v, want FILE_TOO_LARGE", err)
	}
}

func codeOfErr(err error) Code {
	if v, ok := err.(*ValidationError); ok {
		return v.Code
	}
	return ""
}

// TestOrientationMinimumSize: the rules on dimensions see the image as
// displayed, whatever the pixels stored.
func TestOrientationMinimumSize(t *testing.T) {
	s := metadataStore(t, true)
	square := ImageRule("ProductImage.image", 10<<20, 300, 300, 40_000_000)
	wide := ImageRule("Banner.image", 10<<20, 300, 200, 40_000_000)
	tests := []struct {
		name    string
		body    []byte
		rule    Rule
		code    Code
		message string
	}{
		{"stored 400×250, orientation 6, displayed 250×400: too narrow", mediatest.PhonePhoto(t, 400, 250), square, CodeImageTooSmall, "image is 250×400 pixels; at least 300×300 required"},
		{"stored 250×400, orientation 6, displayed 400×250: too low", mediatest.PhonePhoto(t, 250, 400), square, CodeImageTooSmall, "image is 400×250 pixels; at least 300×300 required"},
		{"stored 400×250, orientation 6, displayed 250×400: too narrow for 300×200", mediatest.PhonePhoto(t, 400, 250), wide, CodeImageTooSmall, "image is 250×400 pixels; at least 300×200 required"},
		{"stored 250×400, orientation 6, displayed 400×250: wide enough for 300×200", mediatest.PhonePhoto(t, 250, 400), wide, "", ""},
		{"stored 400×250 without orientation: wide enough for 300×200", plainJPEG(t, 400, 250, false), wide, "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := s.Stage(context.Background(), bytes.NewReader(tc.body), "a.jpg", 10<<20)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			for name, err := range map[string]error{"Check": s.Check(context.Background(), tc.rule, st), "full decode": tc.rule.checkDecoding(st)} {
				if codeOfErr(err) != tc.code || (tc.code == "") != (err == nil) {
					t.Fatalf("%s = %v, want %q", name, err, tc.code)
				}
				if v, ok := err.(*ValidationError); ok && v.Message != tc.message {
					t.Errorf("%s: %q, want %q", name, v.Message, tc.message)
				}
			}
		})
	}
}

// TestStagedAlpha: whether an image may hold transparency, stripped or
// kept.
func TestStagedAlpha(t *testing.T) {
	opaque := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range opaque.Pix {
		opaque.Pix[i] = 255
	}
	translucent := image.NewNRGBA(image.Rect(0, 0, 8, 8))
	translucent.Pix[3] = 128
	paletted := image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{color.Transparent, color.White})
	opaquePalette := image.NewPaletted(image.Rect(0, 0, 8, 8), color.Palette{color.Black, color.White})
	var gifBytes bytes.Buffer
	gif.Encode(&gifBytes, opaquePalette, nil)
	pngTRNS, _ := pngWithMetadata(t)
	tests := []struct {
		name  string
		body  []byte
		alpha bool
	}{
		{"JPEG", mediatest.PhonePhoto(t, 16, 16), false},
		{"opaque PNG (colour type 2)", encodePNG(t, opaque), false},
		{"PNG with an alpha channel (colour type 6)", encodePNG(t, translucent), true},
		{"grey PNG with alpha (colour type 4)", pngWithColourType(t, 4), true},
		{"paletted PNG with tRNS", encodePNG(t, paletted), true},
		{"paletted PNG without tRNS", encodePNG(t, opaquePalette), false},
		{"RGB PNG with tRNS", pngTRNS, true},
		{"GIF", gifBytes.Bytes(), true},
		{"lossless WebP", webpFile(riffChunk("VP8L", vp8l(8, 8, 0xff))), true},
		{"VP8X with the alpha flag", webpFile(vp8x(0x10, 8, 8), riffChunk("VP8L", vp8l(8, 8, 0x80))), true},
		{"VP8X without it", webpFile(vp8x(0x08, 8, 8), riffChunk("VP8L", vp8l(8, 8, 0xff)), riffChunk("EXIF", []byte(webpEXIF))), false},
	}
	for _, strip := range []bool{false, true} {
		s := metadataStore(t, strip)
		for _, tc := range tests {
			st, _ := stageStored(t, s, bytes.NewReader(tc.body), "a")
			if st.Alpha != tc.alpha || st.Width == 0 {
				t.Errorf("%s (strip %v): alpha %v, %d×%d; want %v", tc.name, strip, st.Alpha, st.Width, st.Height, tc.alpha)
			}
		}
	}
}

// pngWithColourType is an 8×8 PNG of 8-bit samples of a colour type Go's
// encoder does not write (4: grey and alpha).
func pngWithColourType(t *testing.T, colourType byte) []byte {
	t.Helper()
	ihdr := []byte{0, 0, 0, 8, 0, 0, 0, 8, 8, colourType, 0, 0, 0}
	var raw bytes.Buffer
	for range 8 {
		raw.WriteByte(0) // filter: none
		raw.Write(make([]byte, 8*2))
	}
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(raw.Bytes())
	zw.Close()
	b := bytes.Join([][]byte{[]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr), pngChunk("IDAT", z.Bytes()), pngChunk("IEND", nil)}, nil)
	if _, err := png.Decode(bytes.NewReader(b)); err != nil {
		t.Fatal(err)
	}
	return b
}

// FuzzMetadataFilter: no input makes a filter panic or hold more than a
// segment; the output does not depend on how the input is cut; a WebP
// keeps its size.
func FuzzMetadataFilter(f *testing.F) {
	pngSent, _ := pngWithMetadata(f)
	for _, seed := range [][]byte{
		mediatest.PhonePhoto(f, 16, 16),
		pngSent,
		webpFile(vp8x(0x2c, 8, 8), riffChunk("VP8L", vp8l(8, 8, 0xff)), riffChunk("EXIF", []byte(webpEXIF)), riffChunk("XMP ", []byte(webpXMP))),
		[]byte("\xff\xd8\xff\xe1\x00\x22Exif\x00\x00MM\x00*\x00\x00\x00\x08\x00\x01\x01\x12\x00\x03\x00\x00\x00\x01\x00\x06\x00\x00\x00\x00\x00\x00\xff\xda\x00\x02\x12\xff\x00\xff\xfe\x00\x02\xff\xd9"),
		[]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x00IEND\xaeB`\x82"),
		[]byte("RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"),
	} {
		f.Add(seed, uint64(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		sent := bytes.Clone(data)
		rng := rand.New(rand.NewPCG(seed, seed>>32))
		sizes := make([]int, 1+rng.IntN(8))
		for i := range sizes {
			sizes[i] = 1 + rng.IntN(1+rng.IntN(70000))
		}
		for _, typ := range []string{TypeJPEG, TypePNG, TypeWebP} {
			whole := runFilter(t, typ, data)
			if split := runFilter(t, typ, data, sizes...); !bytes.Equal(split, whole) {
				t.Fatalf("%s: cut in chunks of %v, the output differs", typ, sizes)
			}
			if typ == TypeWebP && len(whole) != len(data) {
				t.Fatalf("WebP: %d bytes out of %d", len(whole), len(data))
			}
		}
		if !bytes.Equal(data, sent) {
			t.Fatal("a filter wrote into its input")
		}
	})
}

// phonePhotoOf is a JPEG of about size bytes (noisy pixels: they do not
// compress) carrying a phone's metadata (mediatest.PhonePhoto's header)
// and an appended preview.
func phonePhotoOf(b testing.TB, size int) []byte {
	phone := mediatest.PhonePhoto(b, 16, 16)
	end := 2 // the end of its application segments and comment
	for jpegMetadataMarker(phone[end+1]) {
		end += 2 + int(binary.BigEndian.Uint16(phone[end+2:]))
	}
	side := 16
	for side*side*9/10 < size { // about 7 bits a pixel at quality 90
		side += 16
	}
	body := plainJPEG(b, side, side, true)
	preview := plainJPEG(b, 160, 120, false)
	return bytes.Join([][]byte{phone[:end], body[2:], preview}, nil)
}

// BenchmarkStagePhonePhoto stages a 4 MB phone photo on local disk with
// its metadata stripped as it streams, or kept; alone, and then stored
// (Put: fsync, rename, fsync of the directory). Stripped, the file's bytes
// after the first change no longer sit at the offsets of the read buffers,
// so they go through the page cache and the fsync writes them; kept, they
// go past it while they stream (directWriter).
func BenchmarkStagePhonePhoto(b *testing.B) {
	body := phonePhotoOf(b, 4<<20)
	for _, strip := range []bool{true, false} {
		for _, store := range []bool{false, true} {
			name := map[bool]string{true: "strip", false: "keep"}[strip] + map[bool]string{true: "/stage+put", false: "/stage"}[store]
			b.Run(name, func(b *testing.B) {
				s := metadataStore(b, strip)
				ctx := context.Background()
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					st, err := s.Stage(ctx, bytes.NewReader(body), "IMG_0001.JPG", 10<<20)
					if err != nil {
						b.Fatal(err)
					}
					if st.Width == 0 || st.Orientation != 6 {
						b.Fatalf("%d×%d, orientation %d", st.Width, st.Height, st.Orientation)
					}
					if store {
						file, err := s.Put(ctx, "products/images/", st)
						if err != nil {
							b.Fatal(err)
						}
						b.StopTimer()
						s.Delete(ctx, file.Key)
						b.StartTimer()
					}
					st.Close()
				}
			})
		}
	}
}
