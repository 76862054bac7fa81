package opa

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// TestShellQuote runs every quoted word through a real sh and checks it arrives as one
// argument, unchanged and unexpanded.
func TestShellQuote(t *testing.T) {
	sh, err := exec.LookPath("sh")
	require.NoError(t, err, "sh is part of every supported build machine")
	cases := map[string]struct {
		reason string
		in     string
		want   string
	}{
		"safe url":     {reason: "the usual chart repository stays unquoted", in: "https://open-policy-agent.github.io/kube-mgmt/charts", want: "https://open-policy-agent.github.io/kube-mgmt/charts"},
		"command":      {reason: "command substitution must not run", in: "https://x.example/$(touch pwned)", want: "'https://x.example/$(touch pwned)'"},
		"separator":    {reason: "a ; must not end the command", in: "https://x.example/;rm -rf ~", want: "'https://x.example/;rm -rf ~'"},
		"single quote": {reason: "an embedded ' is closed, escaped and reopened", in: "https://x.example/it's", want: `'https://x.example/it'\''s'`},
		"backtick":     {reason: "backticks are command substitution too", in: "a`id`b", want: "'a`id`b'"},
		"empty":        {reason: "an empty word stays one (empty) argument", in: "", want: "''"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := shellQuote(tc.in)
			assert.Equal(t, tc.want, got, tc.reason)
			// Evaluate the quoted word as sh would when the user pastes it.
			res, err := exec.Command(sh, "-c", "set -- "+got+"; printf '%s|%s' \"$#\" \"$1\"").Output()
			require.NoError(t, err, tc.reason)
			assert.Equal(t, "1|"+tc.in, string(res), tc.reason)
		})
	}
}

func TestNotesQuoted(t *testing.T) {
	cfg := testConfig(t, func(c *config.SupremeRAID) { c.Spec.OPA.ArgoCD.RepoURL = "https://charts.example/$(id)" })
	n := Notes(cfg)
	require.Len(t, n, 1)
	assert.True(t, strings.Contains(n[0], "--repo 'https://charts.example/$(id)' "), n[0])
	v, err := ValuesYAML(cfg)
	require.NoError(t, err)
	assert.Contains(t, string(v), "--repo 'https://charts.example/$(id)' ")
}
