package krm

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestShorten(t *testing.T) {
	cases := []struct {
		reason, in string
		max        int
		want       string
	}{
		{"short enough: unchanged", "abc", 3, "abc"},
		{"too long: head and length", "abcdef", 3, "abc... (6 bytes in all)"},
		{"never cuts a character in half (é is two bytes)", "aé" + strings.Repeat("x", 10), 2, "a... (13 bytes in all)"},
	}
	for _, tc := range cases {
		if got := Shorten(tc.in, tc.max); got != tc.want {
			t.Errorf("%s: Shorten(%q, %d) = %q, want %q", tc.reason, tc.in, tc.max, got, tc.want)
		}
	}
}

func TestBoundProblems(t *testing.T) {
	huge := strings.Repeat("v", 1<<20)
	errs := boundProblems(field.ErrorList{
		field.Invalid(field.NewPath("spec").Key(huge), huge, "e.g. "+huge),
		field.Invalid(field.NewPath("<document>"), "", "not valid YAML: yaml: unmarshal errors:\n  line 6: key \"a\" already set in map"),
	})
	if n := len(errs[0].Error()); n > MaxMessage {
		t.Errorf("a problem quoting 1 MiB three times is still %d bytes (bound %d)", n, MaxMessage)
	}
	if !strings.HasPrefix(errs[0].Field, "spec[vvv") || !strings.Contains(errs[0].Error(), "(1048576 bytes in all)") {
		t.Errorf("the shortened problem should keep the start of each part and say how long the value was: %.400s", errs[0].Error())
	}
	if got := errs[1].Detail; got != `not valid YAML: yaml: unmarshal errors: line 6: key "a" already set in map` {
		t.Errorf("a parser message over two lines should become one line, got %q", got)
	}
}
