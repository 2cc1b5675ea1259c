package media

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Fit is how a preset fits an image.
type Fit string

// Fits.
const (
	// FitCover fills Width×Height: the largest centred crop of that
	// aspect, scaled (the seed's 100 px thumbnail).
	FitCover Fit = "cover"
	// FitWidth scales the whole image to Width, its aspect kept (the
	// widths of a responsive srcset).
	FitWidth Fit = "width"
)

// Preset is one rendition every image gets: a name clients ask for
// (MediaFile.variant(name:)), and a size. Only presets are ever made,
// never a size a request asks for.
type Preset struct {
	Name   string
	Width  int
	Height int // FitCover only
	Fit    Fit
}

// DefaultPresets is RENDITIONS' default: the seed's 100 px thumbnail, then
// widths for srcset.
const DefaultPresets = "thumb=100x100:cover,small=320,medium=640,large=1280"

// Preset limits.
const (
	maxPresets      = 16
	maxPresetSide   = 4096
	maxPresetName   = 32
	presetsDisabled = "none"
)

// ParsePresets reads a RENDITIONS setting: comma-separated
// name=WIDTHxHEIGHT:cover or name=WIDTH (or name=WIDTH:width) entries, or
// "none". Names are lowercase letters, digits and underscores, starting
// with a letter, each used once. The presets come back smallest first (by
// width, then height), the order MediaFile.variants lists them in.
func ParsePresets(s string) ([]Preset, error) {
	s = strings.TrimSpace(s)
	if s == presetsDisabled {
		return nil, nil
	}
	var presets []Preset
	for entry := range strings.SplitSeq(s, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		p, err := parsePreset(entry)
		if err != nil {
			return nil, err
		}
		if slices.ContainsFunc(presets, func(q Preset) bool { return q.Name == p.Name }) {
			return nil, fmt.Errorf("preset %q is named twice", p.Name)
		}
		presets = append(presets, p)
	}
	if len(presets) == 0 {
		return nil, errors.New(`no preset: list some (thumb=100x100:cover,small=320) or say "none"`)
	}
	if len(presets) > maxPresets {
		return nil, fmt.Errorf("%d presets; at most %d", len(presets), maxPresets)
	}
	slices.SortStableFunc(presets, func(a, b Preset) int {
		if a.Width != b.Width {
			return a.Width - b.Width
		}
		return a.Height - b.Height
	})
	return presets, nil
}

func parsePreset(entry string) (Preset, error) {
	name, spec, ok := strings.Cut(entry, "=")
	if !ok {
		return Preset{}, fmt.Errorf("%q: want name=WIDTH or name=WIDTHxHEIGHT:cover", entry)
	}
	name, spec = strings.TrimSpace(name), strings.TrimSpace(spec)
	if !validPresetName(name) {
		return Preset{}, fmt.Errorf("%q: a preset name is a lowercase letter, then letters, digits or _ (at most %d)", name, maxPresetName)
	}
	size, fit, hasFit := strings.Cut(spec, ":")
	p := Preset{Name: name, Fit: FitWidth}
	if hasFit {
		p.Fit = Fit(fit)
		if p.Fit != FitCover && p.Fit != FitWidth {
			return Preset{}, fmt.Errorf("%q: fit %q: want cover or width", entry, fit)
		}
	}
	w, h, twoSides := strings.Cut(size, "x")
	var err error
	if p.Width, err = presetSide(w); err != nil {
		return Preset{}, fmt.Errorf("%q: %v", entry, err)
	}
	switch {
	case p.Fit == FitCover && !twoSides:
		return Preset{}, fmt.Errorf("%q: cover needs WIDTHxHEIGHT", entry)
	case p.Fit == FitWidth && twoSides:
		return Preset{}, fmt.Errorf("%q: a width preset takes a width only (or WIDTHxHEIGHT:cover)", entry)
	case twoSides:
		if p.Height, err = presetSide(h); err != nil {
			return Preset{}, fmt.Errorf("%q: %v", entry, err)
		}
	}
	return p, nil
}

func presetSide(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxPresetSide {
		return 0, fmt.Errorf("size %q: want 1 to %d pixels", s, maxPresetSide)
	}
	return n, nil
}

func validPresetName(name string) bool {
	if name == "" || len(name) > maxPresetName || name[0] < 'a' || name[0] > 'z' {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// Size is the size of the preset's variant of an image of width×height
// (as displayed), never larger than the image: a width preset wider than
// the image gives the image's own width; a cover preset larger than the
// image in either side keeps its aspect at the largest size the image
// fills.
func (p Preset) Size(width, height int) (int, int) {
	if width <= 0 || height <= 0 {
		return 0, 0
	}
	if p.Fit == FitWidth {
		w := min(p.Width, width)
		return w, max(1, int(math.Round(float64(height)*float64(w)/float64(width))))
	}
	scale := max(float64(p.Width)/float64(width), float64(p.Height)/float64(height))
	if scale <= 1 {
		return p.Width, p.Height
	}
	return max(1, min(width, int(math.Round(float64(p.Width)/scale)))), max(1, min(height, int(math.Round(float64(p.Height)/scale))))
}

// spec is the part of a variant's key that says what it is: "100x100"
// for a cover preset, "320w" for a width (the width made, so that two
// width presets wider than an image share one file).
func (p Preset) spec(width, height int) string {
	if p.Fit == FitCover {
		return strconv.Itoa(p.Width) + "x" + strconv.Itoa(p.Height)
	}
	w, _ := p.Size(width, height)
	return strconv.Itoa(w) + "w"
}
