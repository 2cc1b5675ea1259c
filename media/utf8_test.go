package media

import "testing"

// TestUTF8CheckerSplits: the text check gives the same answer however the
// stream is cut into chunks, including inside a rune.
func TestUTF8CheckerSplits(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"héllo 日本語 🙂 naïve", true},
		{"", true},
		{"abc\x00def", false},
		{"caf\xe9 au lait", false},
		{"ends inside a rune \xf0\x9f\x99", false},
		{"overlong \xc0\xaf", false},
		{"surrogate \xed\xa0\x80", false},
		{"🙂🙂🙂", true},
	}
	for _, tc := range tests {
		for i := 0; i <= len(tc.text); i++ {
			for j := i; j <= len(tc.text); j++ {
				c := utf8Checker{valid: true}
				c.write([]byte(tc.text[:i]))
				c.write([]byte(tc.text[i:j]))
				c.write([]byte(tc.text[j:]))
				if got := c.done(); got != tc.want {
					t.Fatalf("%q cut at %d and %d: %v, want %v", tc.text, i, j, got, tc.want)
				}
			}
		}
	}
}
