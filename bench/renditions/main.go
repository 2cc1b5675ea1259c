// Command mediagraph-thumb is mediagraph's engine for the peer renditions
// harness (/work/shared/peers/renditions; run.sh here adds it to a copy):
//
//	mediagraph-thumb IN OUT PRESET
//
// PRESET is startup (exit at once: the process cost alone), cover100 (the
// 100×100 cover thumbnail), fit1280 (1280 wide), or all4-cover100 /
// all4-fit1280: the four default presets from one decode, the named one
// written to OUT and the others next to it (OUT with ".small" and so on
// before the extension). It calls media.MakeRenditions as the server does,
// with the orientation from the JPEG's EXIF; OUT's extension picks JPEG or
// PNG.
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"mediagraph/media"
)

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: mediagraph-thumb IN OUT startup|cover100|fit1280|all4-cover100|all4-fit1280")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2], os.Args[3]); err != nil {
		fmt.Fprintln(os.Stderr, "mediagraph-thumb:", err)
		os.Exit(1)
	}
}

func run(in, out, preset string) error {
	if preset == "startup" {
		return nil
	}
	all, err := media.ParsePresets(media.DefaultPresets)
	if err != nil {
		return err
	}
	all4 := strings.HasPrefix(preset, "all4-")
	want := map[string]string{"cover100": "thumb", "fit1280": "large"}[strings.TrimPrefix(preset, "all4-")]
	if want == "" {
		return fmt.Errorf("unknown preset %q", preset)
	}
	presets := all
	if !all4 {
		for _, p := range all {
			if p.Name == want {
				presets = []media.Preset{p}
			}
		}
	}
	contentType := media.TypeJPEG
	if strings.EqualFold(filepath.Ext(out), ".png") {
		contentType = media.TypePNG
	}

	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	// The EXIF block sits before the pixels: read the head once, look in
	// it, and hand the decoder the head and the rest, so the file is never
	// held whole.
	head := make([]byte, 64<<10)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF {
		return err
	}
	head = head[:n]
	rs, _, err := media.MakeRenditions(io.MultiReader(bytes.NewReader(head), f), orientation(head), presets, contentType)
	if err != nil {
		return err
	}
	for _, r := range rs {
		path := out
		if r.Preset.Name != want {
			ext := filepath.Ext(out)
			path = strings.TrimSuffix(out, ext) + "." + r.Preset.Name + ext
		}
		if err := os.WriteFile(path, r.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// orientation is the EXIF Orientation (1–8) of a JPEG whose first bytes
// are head, 1 when it has none. The harness's oriented input carries it in
// an APP1 segment, as cameras write it.
func orientation(head []byte) int {
	if len(head) < 4 || head[0] != 0xFF || head[1] != 0xD8 {
		return 1
	}
	for i := 2; i+4 <= len(head) && head[i] == 0xFF; {
		marker := head[i+1]
		if marker == 0xDA || marker == 0xD9 { // pixels: no metadata after this
			break
		}
		size := int(binary.BigEndian.Uint16(head[i+2:]))
		if size < 2 || i+2+size > len(head) {
			break
		}
		segment := head[i+4 : i+2+size]
		if marker == 0xE1 && bytes.HasPrefix(segment, []byte("Exif\x00\x00")) {
			return tiffOrientation(segment[6:])
		}
		i += 2 + size
	}
	return 1
}

// tiffOrientation reads tag 0x0112 of IFD0 in a TIFF block.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	ifd := int(order.Uint32(t[4:]))
	if ifd < 8 || ifd+2 > len(t) {
		return 1
	}
	entries := int(order.Uint16(t[ifd:]))
	for k := range entries {
		e := ifd + 2 + 12*k
		if e+12 > len(t) {
			break
		}
		if order.Uint16(t[e:]) == 0x0112 && order.Uint16(t[e+2:]) == 3 { // SHORT
			if o := int(order.Uint16(t[e+8:])); o >= 1 && o <= 8 {
				return o
			}
			break
		}
	}
	return 1
}
