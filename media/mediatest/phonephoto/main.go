// Command phonephoto writes mediatest's sideways phone photo (a JPEG with
// EXIF Orientation 6, GPS, maker note, serial, XMP, IPTC, a comment, an
// EXIF preview and an appended one) for tests outside Go — the end-to-end
// suite — and, with -secrets, the byte strings of its metadata that must
// not survive stripping, as JSON (name → base64).
//
//	go run ./media/mediatest/phonephoto -width 800 -height 600 -o photo.jpg -secrets secrets.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"mediagraph/media/mediatest"
)

func main() {
	width := flag.Int("width", 800, "stored width (displayed height)")
	height := flag.Int("height", 600, "stored height (displayed width)")
	out := flag.String("o", "", "where to write the JPEG")
	secrets := flag.String("secrets", "", "where to write the secrets, as JSON (optional)")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "phonephoto: -o is required")
		os.Exit(2)
	}
	photo, err := mediatest.NewPhonePhoto(*width, *height)
	if err == nil {
		err = os.WriteFile(*out, photo, 0o644)
	}
	if err == nil && *secrets != "" {
		var b []byte
		if b, err = json.Marshal(mediatest.PhonePhotoSecrets()); err == nil {
			err = os.WriteFile(*secrets, b, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "phonephoto:", err)
		os.Exit(1)
	}
}
