package krm

import (
	"fmt"
	"regexp"
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
		e.Field = Shorten(e.Field, maxFieldEcho)
		if s, ok := e.BadValue.(string); ok {
			e.BadValue = Shorten(s, maxValueEcho)
		}
		e.Detail = lineBreaks.ReplaceAllString(Shorten(e.Detail, maxDetailEcho), " ")
	}
	return errs
}
