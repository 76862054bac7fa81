package generators

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
)

// writeFast writes m as block YAML the way libraryYAML does (two-space indent, sequences at their
// key's column, keys in the library's order), or reports false, leaving b in any state, when m
// holds something whose form it does not know for certain. It knows the forms that make up
// almost all generated output: names, labels, paths, integers, booleans, and multi-line strings
// written as literal blocks. Anything else (strings that need quotes or escapes, long strings
// the library folds, floats, keys that differ in digits, which the library orders numerically)
// is left to the library. Skipping the round trip through JSON and a YAML parser is what makes
// large configs cheap.
func writeFast(b *bytes.Buffer, m map[string]any) bool {
	return writeMapping(b, m, 0, "")
}

// writeMapping writes a non-empty mapping at column indent; first, if set, replaces the
// indentation of the first line (a sequence item's "- ").
func writeMapping(b *bytes.Buffer, m map[string]any, indent int, first string) bool {
	keys, ok := sortedKeys(m)
	if !ok {
		return false
	}
	for i, k := range keys {
		if i == 0 && first != "" {
			b.WriteString(first)
		} else {
			writeSpaces(b, indent)
		}
		if plainKind(k) != plain || len(k) > 100 {
			return false
		}
		b.WriteString(k)
		b.WriteByte(':')
		switch v := m[k].(type) {
		case map[string]any:
			if len(v) == 0 {
				b.WriteString(" {}\n")
				continue
			}
			b.WriteByte('\n')
			if !writeMapping(b, v, indent+2, "") {
				return false
			}
		case []any:
			if len(v) == 0 {
				b.WriteString(" []\n")
				continue
			}
			b.WriteByte('\n')
			if !writeSequence(b, v, indent) {
				return false
			}
		case string:
			if strings.Contains(v, "\n") {
				if !writeLiteral(b, v, indent+2) {
					return false
				}
				continue
			}
			b.WriteByte(' ')
			if !writeScalar(b, v) {
				return false
			}
			b.WriteByte('\n')
		default:
			b.WriteByte(' ')
			if !writeScalar(b, v) {
				return false
			}
			b.WriteByte('\n')
		}
	}
	return true
}

// writeSequence writes a non-empty sequence whose dashes sit at column indent.
func writeSequence(b *bytes.Buffer, s []any, indent int) bool {
	dash := strings.Repeat(" ", indent) + "- "
	for _, item := range s {
		switch v := item.(type) {
		case map[string]any:
			if len(v) == 0 {
				b.WriteString(dash + "{}\n")
				continue
			}
			if !writeMapping(b, v, indent+2, dash) {
				return false
			}
		case []any:
			return false
		case string:
			if strings.Contains(v, "\n") {
				return false
			}
			b.WriteString(dash)
			if !writeScalar(b, v) {
				return false
			}
			b.WriteByte('\n')
		default:
			b.WriteString(dash)
			if !writeScalar(b, v) {
				return false
			}
			b.WriteByte('\n')
		}
	}
	return true
}

// writeScalar writes a one-line scalar: a plain string, a string the library double-quotes
// because unquoted it would read as another type ("true", "2531", ""), an integer or a boolean.
func writeScalar(b *bytes.Buffer, v any) bool {
	switch v := v.(type) {
	case string:
		switch plainKind(v) {
		case plain:
			b.WriteString(v)
		case quoted:
			b.WriteByte('"')
			b.WriteString(v)
			b.WriteByte('"')
		default:
			return false
		}
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case json.Number:
		s := string(v)
		if !isDecimal(s) || len(s) > 15 {
			return false
		}
		b.WriteString(s)
	default:
		return false
	}
	return true
}

// writeLiteral writes a multi-line string as the value of a mapping key, as a literal block
// ("|" when it ends in one newline, "|-" when in none) with its lines at column indent. Strings
// the library would write otherwise (tabs and other special characters, spaces before a line
// break, a leading space or newline, several trailing newlines) are refused.
func writeLiteral(b *bytes.Buffer, s string, indent int) bool {
	if s[0] == ' ' || s[0] == '\n' || strings.HasSuffix(s, "\n\n") || strings.HasSuffix(s, " ") || strings.Contains(s, " \n") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '\n' && (c < 0x20 || c > 0x7e) {
			return false
		}
	}
	body := s
	if strings.HasSuffix(s, "\n") {
		b.WriteString(" |\n")
		body = s[:len(s)-1]
	} else {
		b.WriteString(" |-\n")
	}
	for _, line := range strings.Split(body, "\n") {
		if line != "" {
			writeSpaces(b, indent)
			b.WriteString(line)
		}
		b.WriteByte('\n')
	}
	return true
}

type scalarForm int

const (
	unsure scalarForm = iota // left to the library
	plain                    // written as is
	quoted                   // written in double quotes, nothing to escape
)

// nonStrings are the unquoted words YAML 1.1, which the library follows, reads as booleans or
// null: as strings they are quoted.
var nonStrings = map[string]bool{
	"": true, "~": true, "null": true, "Null": true, "NULL": true,
	"y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "n": true, "N": true, "no": true, "No": true, "NO": true,
	"true": true, "True": true, "TRUE": true, "false": true, "False": true, "FALSE": true,
	"on": true, "On": true, "ON": true, "off": true, "Off": true, "OFF": true,
}

// plainKind says how the library writes the one-line string s, when that is certain.
func plainKind(s string) scalarForm {
	if nonStrings[s] || isDecimal(s) {
		return quoted
	}
	// A space may make the library fold a long line, or start a comment (" #") or a mapping
	// (": "): only short ones with neither are certain.
	if strings.Contains(s, " ") && (len(s) > 40 || strings.Contains(s, " #") || strings.Contains(s, ": ") || s[len(s)-1] == ' ') {
		return unsure
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9', c == '.', c == '+', c == '_':
			if i == 0 {
				// Numbers, dates, times and sexagesimals in YAML 1.1's many spellings.
				return unsure
			}
		case c == '-':
			if i == 0 && (len(s) == 1 || !isLetter(s[1]) && s[1] != '-') {
				return unsure
			}
		case c == '/', c == '=', c == '@', c == '~', c == ',', c == '(', c == ')', c == '$':
			if i == 0 {
				return unsure
			}
		case c == ':':
			if i == 0 || i == len(s)-1 {
				return unsure
			}
		case c == ' ':
			if i == 0 {
				return unsure
			}
		default:
			return unsure
		}
	}
	return plain
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// isDecimal: an optional minus and one or more digits.
func isDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// sortedKeys orders m's keys as the library does, which is byte order except that a character
// that is not a letter comes before one that is, and runs of digits compare as numbers. Of the
// second rule only the case where it agrees with byte order is handled (two runs of one length
// starting where the keys first differ: "00-a" < "10-b"); false for any other difference at a
// digit.
func sortedKeys(m map[string]any) ([]string, bool) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	ok := true
	sort.Slice(keys, func(i, j int) bool {
		less, sure := keyLess(keys[i], keys[j])
		ok = ok && sure
		return less
	})
	return keys, ok
}

func keyLess(a, b string) (less, sure bool) {
	for i := 0; i < len(a) && i < len(b); i++ {
		ca, cb := a[i], b[i]
		if ca == cb {
			continue
		}
		if ca >= 0x80 || cb >= 0x80 {
			return false, false
		}
		if da, db := isDigit(ca), isDigit(cb); da || db {
			// Two digit runs that start here and have the same length compare as numbers
			// exactly as they compare as text; anything else is left to the library.
			if da && db && (i == 0 || !isDigit(a[i-1])) && digitRun(a[i:]) == digitRun(b[i:]) {
				return ca < cb, true
			}
			return false, false
		}
		la, lb := isLetter(ca), isLetter(cb)
		if la != lb {
			return lb, true
		}
		return ca < cb, true
	}
	return len(a) < len(b), true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// digitRun is the number of digits s starts with.
func digitRun(s string) int {
	n := 0
	for n < len(s) && isDigit(s[n]) {
		n++
	}
	return n
}

func writeSpaces(b *bytes.Buffer, n int) {
	const spaces = "                                                                "
	for n > len(spaces) {
		b.WriteString(spaces)
		n -= len(spaces)
	}
	b.WriteString(spaces[:n])
}
