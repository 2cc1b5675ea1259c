package schema

import (
	"fmt"
	"unicode/utf8"

	"entgo.io/ent/dialect"
)

// maxRunes limits a string by characters, as PostgreSQL's varchar(n) does
// (ent's MaxLen counts bytes, which would refuse 150 accented letters).
func maxRunes(n int) func(string) error {
	return func(s string) error {
		if utf8.RuneCountInString(s) > n {
			return fmt.Errorf("longer than %d characters", n)
		}
		return nil
	}
}

// varchar is the column type of a string limited to n characters.
func varchar(n int) map[string]string {
	return map[string]string{dialect.Postgres: fmt.Sprintf("varchar(%d)", n), dialect.MySQL: fmt.Sprintf("varchar(%d)", n)}
}
