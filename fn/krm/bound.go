package krm

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Problems quote what the user wrote so it can be found, but a 1 MiB value quoted back would
// flood kustomize's stderr and the results kpt shows. These bound every echo.
const (
	maxValueEcho  = 100 // bytes of a bad value
	maxDetailEcho = 512 // bytes of a detail (some quote the value, e.g. "e.g. <cleaned path>")
	maxFieldEcho  = 256 // bytes of a field path (map keys in a path are user text)
	// MaxMessage is an upper bound for one problem or result message after bounding.
	MaxMessage = maxValueEcho + maxDetailEcho + maxFieldEcho + 3*len("... (18446744073709551615 bytes in all)") + 64
)

// Shorten returns s, or its first max bytes (cut at a character boundary) and its length when
// it is longer.
func Shorten(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes in all)", s[:cut], len(s))
}

// lineBreaks matches a line break and the indentation after it. Some parser messages span
// lines ("yaml: unmarshal errors:\n  line 6: ..."); a problem is reported on one line.
var lineBreaks = regexp.MustCompile(`\s*\n\s*`)

// boundProblems shortens the field path, bad value and detail of every problem in place, and
// puts each detail on one line.
func boundProblems(errs field.ErrorList) field.ErrorList {
	for _, e := range errs {
		e.Field = Escape(Shorten(e.Field, maxFieldEcho))
		if s, ok := e.BadValue.(string); ok {
			e.BadValue = Shorten(s, maxValueEcho) // printed with %q: escaped already
		}
		e.Detail = Escape(lineBreaks.ReplaceAllString(Shorten(e.Detail, maxDetailEcho), " "))
	}
	return errs
}

// Escape writes control characters (C0, DEL, C1, the Unicode line separators) and invalid
// UTF-8 as Go escapes (\n, \x1b, \u0085). Field paths and details quote map keys and values the
// user wrote; raw, a newline would forge an output line and an ESC would drive the terminal.
func Escape(s string) string {
	clean := true
	for _, r := range s {
		if needsEscape(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case needsEscape(r):
			q := strconv.QuoteRune(r) // 'x' with the escape inside
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func needsEscape(r rune) bool {
	return r == utf8.RuneError || unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}
