package cli

import (
	"strings"
	"testing"

	"supremeraid.dev/supremeraid-fn/fn/krm"
	"supremeraid.dev/supremeraid-fn/generators/opa"
)

func TestOPAValuesCommand(t *testing.T) {
	cfg, problems := krm.Load([]byte(mustRead(t, minimal)))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	want, err := opa.ValuesYAML(cfg)
	if err != nil {
		t.Fatal(err)
	}
	disabled := mustRead(t, minimal) + "  opa: {enabled: false}\n"
	cases := map[string]struct {
		reason   string
		args     []string
		stdin    string
		wantCode int
		wantOut  string   // exact stdout
		wantErr  []string // substrings of stderr
	}{
		"file":  {reason: "prints exactly the values file", args: []string{"opa-values", minimal}, wantOut: string(want)},
		"stdin": {reason: "- reads the config from stdin", args: []string{"opa-values", "-"}, stdin: mustRead(t, minimal), wantOut: string(want)},
		"invalid config": {
			reason: "every problem with its field path, nothing on stdout", args: []string{"opa-values", threeMistakes}, wantCode: 1,
			wantErr: []string{"spec.driver.installer.sha256: Invalid value", "3 problem(s)"},
		},
		"OPA disabled": {
			reason: "no webhook to install is an error, not an empty file", args: []string{"opa-values", "-"}, stdin: disabled, wantCode: 1,
			wantErr: []string{"spec.opa.enabled is false"},
		},
		"no file":   {reason: "usage error", args: []string{"opa-values"}, wantCode: 2, wantErr: []string{"needs exactly one FILE"}},
		"two files": {reason: "usage error", args: []string{"opa-values", minimal, minimal}, wantCode: 2, wantErr: []string{"needs exactly one FILE"}},
		"help": {
			reason: "--help shows usage and the helm command", args: []string{"opa-values", "--help"},
			wantOut: "Usage: supremeraid-fn opa-values FILE",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, tc.stdin, tc.args...)
			if code != tc.wantCode {
				t.Errorf("%s\nexit code %d, want %d\nstderr: %s", tc.reason, code, tc.wantCode, errOut)
			}
			switch {
			case name == "help":
				if !strings.HasPrefix(out, tc.wantOut) || !strings.Contains(out, "helm upgrade --install") {
					t.Errorf("%s\nstdout:\n%s", tc.reason, out)
				}
			case out != tc.wantOut:
				t.Errorf("%s\nstdout:\n%s\nwant:\n%s", tc.reason, out, tc.wantOut)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("%s\nstderr lacks %q:\n%s", tc.reason, w, errOut)
				}
			}
		})
	}
	if _, out, _ := run(t, "", "--help"); !strings.Contains(out, "opa-values") {
		t.Errorf("the command list lacks opa-values:\n%s", out)
	}
}
