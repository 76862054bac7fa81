package graidctlsim

import (
	"strings"
	"testing"
)

func TestListEmptyAndAliases(t *testing.T) {
	cases := map[string]struct {
		reason string
		args   []string
		want   string
	}{
		"empty pd":        {reason: "an empty list is [] inside Result", args: []string{"ls", "pd", "--format", "json"}, want: `{"Result":[]}`},
		"long name":       {reason: "list physical_drive is the long form of ls pd", args: []string{"list", "physical_drive", "--format=json"}, want: `{"Result":[]}`},
		"flag first":      {reason: "flags may come before the component", args: []string{"ls", "--format", "json", "dg"}, want: `{"Result":[]}`},
		"controller long": {reason: "list controller is ls cx", args: []string{"list", "controller", "--format", "json"}, want: `{"Result":[{"ControllerId":0,"State":"NO_LICENSE"}]}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := newSim(t, nil)
			if got := strings.TrimSpace(s.mustRun(tc.args...)); got != tc.want {
				t.Errorf("%s\ngot %s\nwant %s", tc.reason, got, tc.want)
			}
		})
	}
}
