// Package scalar holds the GraphQL scalars of mediagraph that gqlgen does
// not provide as they are needed: Decimal, a money amount kept exactly as
// integer cents, and Upload, ID and Cursor, whose refusal of a value is a
// user error (not an internal one). A refused value is an *InputError.
package scalar

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
)

// MaxDecimalDigits is how many digits a Decimal may have in all (10 digits,
// 2 of them after the point, as Django's DecimalField(max_digits=10,
// decimal_places=2)).
const MaxDecimalDigits = 10

// InputError is a refused scalar value. Its message is safe to show.
type InputError struct{ Message string }

func (e *InputError) Error() string { return e.Message }

// MarshalUpload is gqlgen's: an Upload is never sent back.
func MarshalUpload(u graphql.Upload) graphql.Marshaler { return graphql.MarshalUpload(u) }

// UnmarshalUpload accepts the file the multipart transport put in place of
// the variable, and refuses anything else (a string, an object, …).
func UnmarshalUpload(v any) (graphql.Upload, error) {
	if u, ok := v.(graphql.Upload); ok {
		return u, nil
	}
	return graphql.Upload{}, &InputError{Message: "Upload must be a file sent in a multipart request (GraphQL multipart request spec)"}
}

// MarshalDecimal writes cents as a string with two decimals ("19.90").
func MarshalDecimal(cents int64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(FormatDecimal(cents)))
	})
}

// FormatDecimal formats cents with two decimals.
func FormatDecimal(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// UnmarshalDecimal reads a string ("19.9", "19.90", "20") or a number and
// returns cents. It refuses negative values, more than two places and more
// than MaxDecimalDigits digits; it never rounds.
func UnmarshalDecimal(v any) (int64, error) {
	var s string
	switch v := v.(type) {
	case string:
		s = v
	case json.Number:
		s = v.String()
	case int:
		s = strconv.Itoa(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case float64:
		// A float from a JSON number literal in the query: its shortest
		// representation is what the client wrote.
		s = strconv.FormatFloat(v, 'f', -1, 64)
	default:
		return 0, &InputError{Message: "Decimal must be a string or a number"}
	}
	return ParseDecimal(s)
}

// ParseDecimal parses a non-negative decimal with at most two places into cents.
func ParseDecimal(s string) (int64, error) {
	s = strings.TrimSpace(s)
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if s == "" || intPart == "" || (hasPoint && frac == "") || !digits(intPart) || !digits(frac) {
		if strings.HasPrefix(s, "-") {
			return 0, &InputError{Message: fmt.Sprintf("Decimal %q must not be negative", s)}
		}
		return 0, &InputError{Message: fmt.Sprintf("Decimal %q is not a decimal number like \"19.90\"", s)}
	}
	if len(frac) > 2 {
		return 0, &InputError{Message: fmt.Sprintf("Decimal %q has more than 2 decimal places", s)}
	}
	intPart = strings.TrimLeft(intPart, "0")
	if len(intPart)+2 > MaxDecimalDigits {
		return 0, &InputError{Message: fmt.Sprintf("Decimal %q has more than %d digits", s, MaxDecimalDigits)}
	}
	frac += strings.Repeat("0", 2-len(frac))
	cents, err := strconv.ParseInt(intPart+frac, 10, 64)
	if err != nil {
		return 0, &InputError{Message: fmt.Sprintf("Decimal %q is out of range", s)}
	}
	return cents, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// MarshalID writes an ID as gqlgen's IntID does: the integer as a string.
func MarshalID(id int) graphql.Marshaler { return graphql.MarshalIntID(id) }

// UnmarshalID reads an ID as gqlgen's IntID does (a string or a number
// holding an integer), and refuses anything else as the client's mistake.
func UnmarshalID(v any) (int, error) {
	id, err := graphql.UnmarshalIntID(v)
	if err != nil {
		return 0, &InputError{Message: fmt.Sprintf("%s is not an ID of this API", describe(v))}
	}
	return id, nil
}

// MarshalCursor writes a connection cursor (entgql's opaque string).
func MarshalCursor(c entgql.Cursor[int]) graphql.Marshaler { return c }

// UnmarshalCursor reads a cursor this API gave out, and refuses anything
// else as the client's mistake.
func UnmarshalCursor(v any) (entgql.Cursor[int], error) {
	var c entgql.Cursor[int]
	if err := c.UnmarshalGQL(v); err != nil {
		return c, &InputError{Message: fmt.Sprintf("%s is not a cursor of this API", describe(v))}
	}
	return c, nil
}

// describe names a refused value for a message: a string quoted and cut
// short, anything else by its kind.
func describe(v any) string {
	switch v := v.(type) {
	case string:
		if len(v) > 40 {
			v = v[:40] + "…"
		}
		return strconv.Quote(v)
	case json.Number:
		return string(v)
	default:
		return fmt.Sprintf("a value of type %T", v)
	}
}
