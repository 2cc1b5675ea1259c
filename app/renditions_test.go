package app

import (
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"mediagraph/media"
	"mediagraph/media/mediatest"
)

// Renditions end to end: through the API and the media handler, on the
// storage and database of the run (local disk and SQLite, or S3 and
// PostgreSQL in the second pass of the test command).

const addImageVariants = `mutation($id: ID!, $image: Upload!) { addProductImage(productID: $id, image: $image) {
  id image { path url size sha256 contentType width height srcset placeholder
    variants { name url width height contentType } thumb: variant(name: "thumb") { url width height } none: variant(name: "huge") { url } } } }`

// imageQuery reads a product image back.
const imageQuery = `query($id: ID!) { node(id: $id) { ... on ProductImage {
  image { url width height placeholder srcset variants { name url width height contentType } } } } }`

func renditionServer(t *testing.T, env map[string]string) *testServer {
	t.Helper()
	base := map[string]string{"RENDITIONS": media.DefaultPresets}
	for k, v := range env {
		base[k] = v
	}
	return newTestServer(t, base)
}

// uploadImage uploads body as a product image of a new product and returns
// addProductImage's answer.
func uploadImage(t *testing.T, s *testServer, name string, body []byte) map[string]any {
	t.Helper()
	id := createProduct(t, s, "Chair", "10")
	r := s.mutate(t, addImageVariants, map[string]any{"id": id, "image": nil},
		map[string]upload{"variables.image": {name: name, body: body}})
	if len(r.Errors) > 0 {
		t.Fatalf("addProductImage: %s", r.Raw)
	}
	return dig(r.Data, "addProductImage").(map[string]any)
}

// variantsOf returns the variants listed by name.
func variantsOf(t *testing.T, image any) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	list, _ := dig(image, "variants").([]any)
	for _, v := range list {
		m := v.(map[string]any)
		out[m["name"].(string)] = m
	}
	return out
}

// fetchImage GETs a media URL and decodes it, checking its status and
// content type.
func fetchImage(t *testing.T, s *testServer, url, contentType string) ([]byte, image.Image) {
	t.Helper()
	resp, body := s.get(t, url)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	if got := resp.Header.Get("Content-Type"); got != contentType {
		t.Fatalf("GET %s: Content-Type %q, want %q", url, got, contentType)
	}
	img, _, err := image.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("GET %s: decoding: %v", url, err)
	}
	return body, img
}

// near reports whether c is within tol of want in each channel.
func near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, w uint8) bool { x := int(a>>8) - int(w); return x > -tol && x < tol }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

var (
	red   = color.RGBA{R: 255, A: 255}
	green = color.RGBA{G: 255, A: 255}
	blue  = color.RGBA{B: 255, A: 255}
)

// wantUpright checks the displayed quadrants of a rendition of
// mediatest.PhonePhoto (Orientation 6: stored red, green / blue, grey is
// displayed blue, red / grey, green).
func wantUpright(t *testing.T, name string, img image.Image) {
	t.Helper()
	b := img.Bounds()
	at := func(fx, fy float64) color.Color {
		return img.At(b.Min.X+int(fx*float64(b.Dx())), b.Min.Y+int(fy*float64(b.Dy())))
	}
	if !near(at(0.25, 0.25), blue, 60) || !near(at(0.75, 0.25), red, 60) || !near(at(0.75, 0.75), green, 60) {
		r1, g1, b1, _ := at(0.25, 0.25).RGBA()
		t.Errorf("%s is not upright: top-left %d,%d,%d (want blue), top-right %v, bottom-right %v", name, r1>>8, g1>>8, b1>>8, at(0.75, 0.25), at(0.75, 0.75))
	}
}

// waitRendered waits (bounded) until the image's placeholder is recorded:
// its renditions are made.
func waitRendered(t *testing.T, s *testServer, id string) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		data := s.mustQuery(t, imageQuery, map[string]any{"id": id})
		if digString(data, "node", "image", "placeholder") != "" {
			return dig(data, "node", "image").(map[string]any)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no placeholder after 15s: %v", data)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRenditionsPhonePhoto: a sideways phone photo comes back upright in
// every variant, with its size as displayed, and its stored original has
// lost what betrays its owner but keeps its ICC profile and orientation.
func TestRenditionsPhonePhoto(t *testing.T) {
	s := renditionServer(t, nil)
	photo := mediatest.PhonePhoto(t, 800, 600) // displayed 600×800
	im := uploadImage(t, s, "IMG_0001.JPG", photo)
	img := im["image"].(map[string]any)
	if img["width"] != 600.0 || img["height"] != 800.0 {
		t.Fatalf("width×height %v×%v, want 600×800 (as displayed)", img["width"], img["height"])
	}
	want := map[string][2]float64{"thumb": {100, 100}, "small": {320, 427}, "medium": {600, 800}, "large": {600, 800}}
	variants := variantsOf(t, img)
	if len(variants) != 4 {
		t.Fatalf("variants %v", img["variants"])
	}
	names := []string{}
	for _, v := range img["variants"].([]any) {
		names = append(names, v.(map[string]any)["name"].(string))
	}
	if !slices.Equal(names, []string{"thumb", "small", "medium", "large"}) {
		t.Errorf("variants in order %v, want smallest first", names)
	}
	if variants["medium"]["url"] != variants["large"]["url"] {
		t.Errorf("medium and large are both the image's own width: one file, got %v and %v", variants["medium"]["url"], variants["large"]["url"])
	}
	if dig(img, "thumb", "url") != variants["thumb"]["url"] || dig(img, "none") != nil {
		t.Errorf("variant(name:) = %v, %v", img["thumb"], img["none"])
	}
	secrets := mediatest.PhonePhotoSecrets()
	// Right after the mutation: every URL answers, made on demand if the
	// background has not got to it.
	for name, v := range variants {
		if v["contentType"] != media.TypeJPEG {
			t.Errorf("%s: contentType %v", name, v["contentType"])
		}
		body, decoded := fetchImage(t, s, v["url"].(string), media.TypeJPEG)
		if got := decoded.Bounds().Size(); float64(got.X) != want[name][0] || float64(got.Y) != want[name][1] || v["width"] != want[name][0] || v["height"] != want[name][1] {
			t.Errorf("%s: %v listed %v×%v, want %v", name, got, v["width"], v["height"], want[name])
		}
		wantUpright(t, name, decoded)
		if bytes.Contains(body, []byte("Exif\x00\x00")) {
			t.Errorf("%s carries EXIF", name)
		}
		for what, secret := range secrets {
			if bytes.Contains(body, secret) {
				t.Errorf("%s carries the %s", name, what)
			}
		}
	}
	srcset := img["srcset"].(string)
	wantSrcset := variants["small"]["url"].(string) + " 320w, " + variants["medium"]["url"].(string) + " 600w"
	if srcset != wantSrcset {
		t.Errorf("srcset %q, want %q (the original is as wide as medium: listed once)", srcset, wantSrcset)
	}

	// The original: no GPS, maker note, serial, XMP, IPTC, comment or
	// preview; the ICC profile and the orientation kept; still decodes.
	resp, orig := s.get(t, img["url"].(string))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("original: %d", resp.StatusCode)
	}
	for what, secret := range secrets {
		if bytes.Contains(orig, secret) {
			t.Errorf("the stored original carries the %s", what)
		}
	}
	if !bytes.Contains(orig, mediatest.PhonePhotoICC()) {
		t.Error("the stored original lost its ICC profile")
	}
	if !bytes.Contains(orig, []byte("Exif\x00\x00MM")) || !bytes.Contains(orig, []byte{0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6}) {
		t.Error("the stored original lost its orientation (Exif IFD0 0x0112 = 6)")
	}
	if len(orig) >= len(photo) || img["size"] != float64(len(orig)) || img["sha256"] != sha(orig) {
		t.Errorf("stored %d bytes (uploaded %d), size %v, sha256 %v: want those of the stored bytes", len(orig), len(photo), img["size"], img["sha256"])
	}
	if _, err := decodeJPEG(orig); err != nil {
		t.Errorf("the stored original does not decode: %v", err)
	}

	// The placeholder comes once the renditions are recorded.
	got := waitRendered(t, s, im["id"].(string))
	if p := got["placeholder"].(string); !strings.HasPrefix(p, "data:image/") || len(p) > 1024 {
		t.Errorf("placeholder %q (%d bytes)", p, len(p))
	}

	// Deleting the image removes the original and every variant.
	r := s.query(t, `mutation($id: ID!) { deleteProductImage(id: $id) }`, map[string]any{"id": im["id"]})
	if len(r.Errors) > 0 {
		t.Fatalf("deleteProductImage: %s", r.Raw)
	}
	for _, u := range []string{img["url"].(string), variants["thumb"]["url"].(string), variants["small"]["url"].(string), variants["large"]["url"].(string)} {
		if resp, _ := s.get(t, u); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s after delete: %d", u, resp.StatusCode)
		}
	}
	if files := s.storedFiles(t); len(withoutTemporaries(files)) != 0 {
		t.Errorf("files left after delete: %v", files)
	}
}

func decodeJPEG(b []byte) (image.Image, error) {
	img, _, err := image.Decode(bytes.NewReader(b))
	return img, err
}

func withoutTemporaries(files []string) []string {
	return slices.DeleteFunc(files, func(f string) bool { return strings.HasPrefix(f, ".") || strings.Contains(f, "/.") })
}

// TestRenditionsKeepMetadata: with IMAGE_METADATA=keep the original is
// stored byte for byte; its size is still the one displayed.
func TestRenditionsKeepMetadata(t *testing.T) {
	s := renditionServer(t, map[string]string{"IMAGE_METADATA": "keep"})
	photo := mediatest.PhonePhoto(t, 800, 600)
	img := uploadImage(t, s, "IMG_0002.JPG", photo)["image"].(map[string]any)
	if img["width"] != 600.0 || img["height"] != 800.0 || img["sha256"] != sha(photo) {
		t.Fatalf("got %v×%v sha256 %v, want 600×800 and the upload's own bytes", img["width"], img["height"], img["sha256"])
	}
	_, thumb := fetchImage(t, s, dig(img, "thumb", "url").(string), media.TypeJPEG)
	wantUpright(t, "thumb", thumb)
}

// alphaPNG is a w×h PNG whose corners are transparent.
func alphaPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			a := uint8(255)
			if (x < w/4 || x >= w-w/4) && (y < h/4 || y >= h-h/4) {
				a = 0
			}
			img.SetNRGBA(x, y, color.NRGBA{R: 200, G: uint8(x), B: uint8(y), A: a})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRenditionsKeepTransparency: an image with alpha gets PNG variants
// that keep it.
func TestRenditionsKeepTransparency(t *testing.T) {
	s := renditionServer(t, nil)
	img := uploadImage(t, s, "logo.png", alphaPNG(t, 400, 400))["image"].(map[string]any)
	for name, v := range variantsOf(t, img) {
		if v["contentType"] != media.TypePNG {
			t.Fatalf("%s: %v, want image/png", name, v["contentType"])
		}
		_, decoded := fetchImage(t, s, v["url"].(string), media.TypePNG)
		if _, _, _, a := decoded.At(decoded.Bounds().Min.X+1, decoded.Bounds().Min.Y+1).RGBA(); a>>8 > 10 {
			t.Errorf("%s: corner alpha %d, want transparent", name, a>>8)
		}
		c := decoded.At(decoded.Bounds().Dx()/2, decoded.Bounds().Dy()/2)
		if _, _, _, a := c.RGBA(); a>>8 < 245 {
			t.Errorf("%s: centre alpha %d, want opaque", name, a>>8)
		}
	}
}

// TestRenditionsNeverUpscale: a 300×300 image gets copies no wider than
// itself, the widths above it sharing one, listed once in srcset.
func TestRenditionsNeverUpscale(t *testing.T) {
	s := renditionServer(t, nil)
	img := uploadImage(t, s, "small.png", pngBytes(t, 300, 300, 3))["image"].(map[string]any)
	urls := map[string]bool{}
	for name, v := range variantsOf(t, img) {
		w, h := v["width"].(float64), v["height"].(float64)
		if name == "thumb" && (w != 100 || h != 100) || name != "thumb" && (w != 300 || h != 300) {
			t.Errorf("%s: %v×%v", name, w, h)
		}
		_, decoded := fetchImage(t, s, v["url"].(string), media.TypeJPEG)
		if decoded.Bounds().Dx() != int(w) {
			t.Errorf("%s: made %d wide, listed %v", name, decoded.Bounds().Dx(), w)
		}
		urls[v["url"].(string)] = true
	}
	if len(urls) != 2 {
		t.Errorf("%d distinct variant URLs, want 2 (thumb, and the image's own width)", len(urls))
	}
	if srcset := img["srcset"].(string); strings.Count(srcset, ",") != 0 || !strings.HasSuffix(srcset, ".300w.jpg 300w") {
		t.Errorf("srcset %q, want the one 300w copy", srcset)
	}
}

// TestRenditionsDocuments: a document's file has no variants; its image
// has them; uploadRules lists the presets of the image targets.
func TestRenditionsDocuments(t *testing.T) {
	s := renditionServer(t, nil)
	r := s.mutate(t, `mutation($input: CreateDocumentInput!) { createDocument(input: $input) {
	  file { variants { name } thumb: variant(name: "thumb") { url } srcset placeholder }
	  image { width variants { name url } srcset } } }`,
		map[string]any{"input": map[string]any{"title": "Manual", "file": nil, "image": nil}},
		map[string]upload{
			"variables.input.file":  {name: "manual.pdf", body: valPDF},
			"variables.input.image": {name: "cover.png", body: pngBytes(t, 200, 150, 4)},
		})
	if len(r.Errors) > 0 {
		t.Fatalf("createDocument: %s", r.Raw)
	}
	file := dig(r.Data, "createDocument", "file").(map[string]any)
	if v, _ := file["variants"].([]any); len(v) != 0 || file["thumb"] != nil || file["srcset"] != nil || file["placeholder"] != nil {
		t.Errorf("a document's file: %v, want no variants, null variant, srcset and placeholder", file)
	}
	image := dig(r.Data, "createDocument", "image")
	if v, _ := dig(image, "variants").([]any); len(v) != 4 || digString(image, "srcset") == "" {
		t.Errorf("a document's image: %v, want 4 variants and a srcset", image)
	}
	for _, v := range dig(image, "variants").([]any) {
		if resp, _ := s.get(t, digString(v, "url")); resp.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", digString(v, "url"), resp.StatusCode)
		}
	}

	rules := s.mustQuery(t, `{ uploadRules { target variants { name width height fit } } }`, nil)
	got := map[string]string{}
	for _, rule := range rules["uploadRules"].([]any) {
		var presets []string
		for _, p := range dig(rule, "variants").([]any) {
			presets = append(presets, fmt.Sprintf("%s=%v/%v/%s", digString(p, "name"), dig(p, "width"), dig(p, "height"), digString(p, "fit")))
		}
		got[digString(rule, "target")] = strings.Join(presets, ",")
	}
	want := "thumb=100/100/cover,small=320/<nil>/width,medium=640/<nil>/width,large=1280/<nil>/width"
	if got["ProductImage.image"] != want || got["Document.image"] != want || got["Document.file"] != "" {
		t.Errorf("uploadRules variants %v, want %q for the images and none for Document.file", got, want)
	}
}

// TestRenditionsOnDemandOnlyPresets: a GET makes a variant not yet made
// (a preset added since), and nothing else: a size that is no preset is
// 404 and never made.
func TestRenditionsOnDemandOnlyPresets(t *testing.T) {
	databaseURL, mediaDir := sweepDirs(t)
	first, stop := sweepServer(t, databaseURL, mediaDir, map[string]string{"RENDITIONS": "thumb=100x100:cover"})
	im := uploadImage(t, first, "a.png", pngBytes(t, 400, 300, 5))
	waitRendered(t, first, im["id"].(string))
	stop()

	s, _ := sweepServer(t, databaseURL, mediaDir, map[string]string{"RENDITIONS": "thumb=100x100:cover,tiny=50"})
	img := waitRendered(t, s, im["id"].(string))
	tiny := variantsOf(t, img)["tiny"]
	if tiny == nil || tiny["width"] != 50.0 || tiny["height"] != 38.0 {
		t.Fatalf("tiny: %v", tiny)
	}
	key := strings.TrimPrefix(tiny["url"].(string), "/media/")
	if exists(filepath.Join(mediaDir, key)) {
		t.Fatalf("%s exists before its first GET", key)
	}
	_, decoded := fetchImage(t, s, tiny["url"].(string), media.TypeJPEG)
	if decoded.Bounds().Dx() != 50 || !exists(filepath.Join(mediaDir, key)) {
		t.Errorf("tiny made %v, stored: %v", decoded.Bounds(), exists(filepath.Join(mediaDir, key)))
	}
	base := strings.TrimSuffix(key, ".50w.jpg")
	for _, other := range []string{base + ".77w.jpg", base + ".100x101.jpg", base + ".50w.png", base + ".50w.gif", base + ".050w.jpg"} {
		if resp, _ := s.get(t, "/media/"+other); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", other, resp.StatusCode)
		}
		if exists(filepath.Join(mediaDir, other)) {
			t.Errorf("%s was made", other)
		}
	}
}

// TestRenditionsConcurrentGETs: GETs of one image's variants at once share
// one piece of work, and all get their bytes.
func TestRenditionsConcurrentGETs(t *testing.T) {
	s := renditionServer(t, nil)
	img := uploadImage(t, s, "a.png", pngBytes(t, 900, 700, 6))["image"].(map[string]any)
	var wg sync.WaitGroup
	for range 4 {
		for _, v := range variantsOf(t, img) {
			wg.Go(func() {
				resp, err := http.Get(s.URL + v["url"].(string))
				if err != nil {
					t.Error(err)
					return
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Errorf("GET %s: %d", v["url"], resp.StatusCode)
				}
			})
		}
	}
	wg.Wait()
}

// crcPNG is a PNG whose chunks are all whole (lengths and CRCs right), so
// that it passes the checks, but whose image data does not inflate: a
// crafted file only a full decode refuses.
func crcPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	good := pngBytes(t, w, h, 7)
	var out bytes.Buffer
	out.Write(good[:8])
	for p := good[8:]; len(p) >= 12; {
		n := int(uint32(p[0])<<24 | uint32(p[1])<<16 | uint32(p[2])<<8 | uint32(p[3]))
		typ, data := p[4:8], p[8:8+n]
		if string(typ) == "IDAT" {
			data = bytes.Repeat([]byte{0xff}, n)
		}
		var chunk bytes.Buffer
		chunk.Write([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
		chunk.Write(typ)
		chunk.Write(data)
		sum := crc32.ChecksumIEEE(chunk.Bytes()[4:])
		chunk.Write([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
		out.Write(chunk.Bytes())
		p = p[12+n:]
	}
	return out.Bytes()
}

// TestRenditionsUnrenderable: an image that passes the checks but cannot
// be decoded is kept; its variants' URLs send the client to the original,
// and once that is recorded the API hands out the original in their place,
// never an error for the query.
func TestRenditionsUnrenderable(t *testing.T) {
	s := renditionServer(t, nil)
	im := uploadImage(t, s, "crafted.png", crcPNG(t, 320, 320))
	img := im["image"].(map[string]any)
	thumb := variantsOf(t, img)["thumb"]["url"].(string)
	req, _ := http.NewRequest(http.MethodGet, s.URL+thumb, nil)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != path.Base(img["url"].(string)) || resp.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("GET %s: %d Location %q Cache-Control %q, want a redirect to the original", thumb, resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("Cache-Control"))
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		data := s.mustQuery(t, imageQuery, map[string]any{"id": im["id"]})
		got := dig(data, "node", "image")
		variants := variantsOf(t, got)
		if len(variants) == 4 && variants["thumb"]["url"] == img["url"] && variants["large"]["contentType"] == "image/png" {
			if srcset := digString(got, "srcset"); srcset != img["url"].(string)+" 320w" {
				t.Errorf("srcset %q, want the original alone", srcset)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the original does not stand in for the variants: %v", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRenditionsMadeBeforeAnswerBehindCDN: with an absolute MEDIA_URL the
// server does not serve the variants' URLs, so the mutation answers once
// they are stored.
func TestRenditionsMadeBeforeAnswerBehindCDN(t *testing.T) {
	s := renditionServer(t, map[string]string{"MEDIA_URL": "https://cdn.example/media/"})
	img := uploadImage(t, s, "a.png", pngBytes(t, 700, 500, 8))["image"].(map[string]any)
	for name, v := range variantsOf(t, img) {
		key := strings.TrimPrefix(v["url"].(string), "https://cdn.example/media/")
		if _, err := s.Media.Stat(context.Background(), key); err != nil {
			t.Errorf("%s (%s) not stored when the mutation answered: %v", name, key, err)
		}
	}
	// The admin shows the thumbnails from there.
	resp, _ := s.get(t, "/admin/")
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https://cdn.example;") {
		t.Errorf("the admin's CSP does not allow the CDN's images: %q", csp)
	}
}

// TestRenditionsSweep: the sweep removes variants whose original is gone,
// those of a preset no longer in force, and every variant when renditions
// are turned off; the variants in force stay.
func TestRenditionsSweep(t *testing.T) {
	databaseURL, mediaDir := sweepDirs(t)
	first, stop := sweepServer(t, databaseURL, mediaDir, map[string]string{"RENDITIONS": media.DefaultPresets})
	im := uploadImage(t, first, "a.png", pngBytes(t, 700, 500, 9))
	img := waitRendered(t, first, im["id"].(string))
	stop()
	var live []string // thumb, 320w, 640w and 700w (large is the image's own width)
	for _, v := range variantsOf(t, img) {
		live = append(live, strings.TrimPrefix(v["url"].(string), "/media/"))
	}
	if len(live) != 4 {
		t.Fatalf("variants %v", live)
	}
	original := strings.TrimPrefix(img["url"].(string), "/media/")
	base := strings.TrimSuffix(original, ".png")
	orphans := []string{
		strings.TrimSuffix(orphanKey("products/images/", "png"), ".png") + ".100x100.jpg", // its original is gone
		base + ".999w.jpg",    // a preset no longer in force
		base + ".100x100.png", // the other type
	}
	old := time.Now().Add(-2 * time.Hour)
	for _, k := range orphans {
		writeMediaFile(t, mediaDir, k)
	}
	for _, k := range append(append([]string{original}, live...), orphans...) {
		if err := os.Chtimes(filepath.Join(mediaDir, k), old, old); err != nil {
			t.Fatal(err)
		}
	}
	s, stopSweeping := sweepServer(t, databaseURL, mediaDir, map[string]string{"RENDITIONS": media.DefaultPresets, "SWEEP_GRACE": "1ms"})
	if n, err := s.Sweep(context.Background()); err != nil || n != len(orphans) {
		t.Fatalf("Sweep = %d, %v; want %d", n, err, len(orphans))
	}
	for _, k := range orphans {
		if exists(filepath.Join(mediaDir, k)) {
			t.Errorf("orphan %s was not swept", k)
		}
	}
	for _, k := range append([]string{original}, live...) {
		if !exists(filepath.Join(mediaDir, k)) {
			t.Errorf("%s was swept", k)
		}
	}
	stopSweeping()

	off, _ := sweepServer(t, databaseURL, mediaDir, map[string]string{"RENDITIONS": "none", "SWEEP_GRACE": "1ms"})
	if n, err := off.Sweep(context.Background()); err != nil || n != len(live) {
		t.Fatalf("Sweep with renditions off = %d, %v; want the %d variant files", n, err, len(live))
	}
	if !exists(filepath.Join(mediaDir, original)) {
		t.Error("the original was swept")
	}
}

// TestRenditionsDeleteWhileRendering: an image deleted while its variants
// are being made leaves none behind: none is served, none stays stored.
func TestRenditionsDeleteWhileRendering(t *testing.T) {
	s := renditionServer(t, nil)
	var gone []map[string]any
	for i := range 4 {
		im := uploadImage(t, s, "a.jpg", jpegBytes(t, 2000, 1500, uint8(i)))
		r := s.query(t, `mutation($id: ID!) { deleteProductImage(id: $id) }`, map[string]any{"id": im["id"]})
		if len(r.Errors) > 0 {
			t.Fatalf("deleteProductImage: %s", r.Raw)
		}
		gone = append(gone, im["image"].(map[string]any))
	}
	// One worker takes the queue in order: once a later image is
	// rendered, the deleted ones are done with.
	marker := uploadImage(t, s, "b.png", pngBytes(t, 300, 300, 9))
	waitRendered(t, s, marker["id"].(string))
	for _, img := range gone {
		for _, v := range variantsOf(t, img) {
			if resp, _ := s.get(t, v["url"].(string)); resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s of a deleted image: %d", v["url"], resp.StatusCode)
			}
		}
	}
	markerImage := marker["image"].(map[string]any)
	want := []string{strings.TrimPrefix(markerImage["path"].(string), "/media/")}
	for _, v := range variantsOf(t, markerImage) {
		if k := strings.TrimPrefix(v["url"].(string), "/media/"); !slices.Contains(want, k) {
			want = append(want, k)
		}
	}
	slices.Sort(want)
	if got := withoutTemporaries(s.storedFiles(t)); !slices.Equal(got, want) {
		t.Errorf("stored files %v, want only the marker's %v", got, want)
	}
}

// jpegBytes is a w×h JPEG of testImage.
func jpegBytes(t *testing.T, w, h int, seed uint8) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, testImage(w, h, seed), &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestRenditionsStartupPassAndBackfill: images whose renditions were never
// recorded (a crash after the commit, a full queue, or stored before
// renditions existed) get them from the start-up pass; a preset added
// later is made for old images by the backfill (`mediagraph renditions`).
func TestRenditionsStartupPassAndBackfill(t *testing.T) {
	databaseURL, mediaDir := sweepDirs(t)
	// Stored with renditions off: as before renditions existed, or as if
	// the server died before its worker got to them.
	first, stop := sweepServer(t, databaseURL, mediaDir, map[string]string{"RENDITIONS": "none"})
	im := uploadImage(t, first, "a.png", pngBytes(t, 640, 480, 10))
	stop()
	key := strings.TrimPrefix(im["image"].(map[string]any)["path"].(string), "/media/")
	base := strings.TrimSuffix(key, ".png")

	s, stop := sweepServer(t, databaseURL, mediaDir, map[string]string{"RENDITIONS": "thumb=100x100:cover,small=320"})
	if exists(filepath.Join(mediaDir, base+".100x100.jpg")) {
		t.Fatal("made before the start-up pass")
	}
	s.MakePendingVariants(context.Background())
	for _, k := range []string{base + ".100x100.jpg", base + ".320w.jpg"} {
		if !exists(filepath.Join(mediaDir, k)) {
			t.Errorf("%s not made by the start-up pass", k)
		}
	}
	if p := digString(s.mustQuery(t, imageQuery, map[string]any{"id": im["id"]}), "node", "image", "placeholder"); !strings.HasPrefix(p, "data:image/") {
		t.Errorf("placeholder %q after the start-up pass", p)
	}
	// Nothing is pending any more: a second pass visits nothing.
	if p, err := s.Backfill(context.Background(), true, nil); err != nil || p.Images != 0 {
		t.Errorf("second start-up pass: %+v, %v", p, err)
	}
	stop()

	s, _ = sweepServer(t, databaseURL, mediaDir, map[string]string{"RENDITIONS": "thumb=100x100:cover,small=320,medium=640"})
	var lines []BackfillProgress
	p, err := s.Backfill(context.Background(), false, func(p BackfillProgress) { lines = append(lines, p) })
	if err != nil || p.Images != 1 || p.Made != 1 || p.Failed != 0 || len(lines) != 1 {
		t.Fatalf("backfill: %+v, %v, progress %v", p, err, lines)
	}
	if !exists(filepath.Join(mediaDir, base+".640w.jpg")) {
		t.Error("the added preset was not made by the backfill")
	}
	if p, err := s.Backfill(context.Background(), false, nil); err != nil || p.Images != 1 || p.Made != 0 {
		t.Errorf("a second backfill: %+v, %v; want nothing made", p, err)
	}
}

// TestRenditionsCommand: `mediagraph renditions` makes the missing
// variants of every image and says so in a progress line; a server
// started on a database with pending images makes them in the background.
func TestRenditionsCommand(t *testing.T) {
	databaseURL, mediaDir := sweepDirs(t)
	first, stop := sweepServer(t, databaseURL, mediaDir, map[string]string{"RENDITIONS": "none"})
	var bases []string
	for i := range 3 {
		im := uploadImage(t, first, "a.png", pngBytes(t, 400, 400, uint8(20+i)))
		bases = append(bases, strings.TrimSuffix(im["image"].(map[string]any)["path"].(string), ".png"))
	}
	stop()
	cmd := exec.Command(serverBinary(t), "renditions")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+databaseURL, "STORAGE_URL="+mediaDir, "RENDITIONS=thumb=100x100:cover")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("mediagraph renditions: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "renditions: 3 images checked, 3 made, 0 cannot be rendered: done") {
		t.Errorf("output:\n%s", out)
	}
	for _, b := range bases {
		if !exists(filepath.Join(mediaDir, b+".100x100.jpg")) {
			t.Errorf("%s.100x100.jpg not made", b)
		}
	}

	// The start-up pass of a real server: the images pending once more
	// (their placeholders cleared, as after a crash between the commit
	// and the worker), with a preset added, all made in the background.
	clear, stop := sweepServer(t, databaseURL, mediaDir, map[string]string{"RENDITIONS": "none"})
	clear.Client.ProductImage.Update().ClearImagePlaceholder().ExecX(context.Background())
	stop()
	startProcessOn(t, databaseURL, mediaDir, "RENDITIONS=thumb=100x100:cover,small=320")
	deadline := time.Now().Add(15 * time.Second)
	for _, b := range bases {
		for !exists(filepath.Join(mediaDir, b+".320w.jpg")) {
			if time.Now().After(deadline) {
				t.Fatalf("%s.320w.jpg not made by the start-up pass within 15 s", b)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}
