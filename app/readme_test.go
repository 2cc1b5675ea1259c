package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReadmeListsEverySetting: every setting is in the README's
// configuration table, with its flag and default.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(readme)
	for _, s := range (&Config{}).settings() {
		row := "| `--" + s.flag + "` | `" + s.env + "`"
		if !strings.Contains(text, row) {
			t.Errorf("README lacks the row of %s (%q)", s.env, row)
			continue
		}
		line := text[strings.Index(text, row):]
		line = line[:strings.Index(line, "\n")]
		if s.def != "" && !strings.Contains(line, "`"+s.def+"`") {
			t.Errorf("README row of %s lacks its default %q: %s", s.env, s.def, line)
		}
	}
}
