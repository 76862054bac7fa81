package dockerfiletest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder collects what Parse reports instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestParse(t *testing.T) {
	cases := map[string]struct {
		reason, text string
		wantLint     string
	}{
		"clean":           {reason: "a well-formed two-stage file passes", text: "FROM alpine:3 AS build\nRUN true\nFROM scratch\nCOPY --from=build /etc/os-release /\n"},
		"from as casing":  {reason: "BuildKit's linter findings fail the test", text: "FROM alpine:3 as build\nRUN true\n", wantLint: "FromAsCasing"},
		"stage name case": {reason: "experimental and default rules alike", text: "FROM alpine:3 AS Build\nRUN true\n", wantLint: "StageNameCasing"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := &recorder{TB: t}
			_, stages, _ := Parse(r, tc.text)
			require.NotEmpty(t, stages, tc.reason)
			if tc.wantLint == "" {
				assert.Empty(t, r.errs, tc.reason)
				return
			}
			require.NotEmpty(t, r.errs, tc.reason)
			assert.Contains(t, r.errs[0], tc.wantLint, tc.reason)
		})
	}
}
