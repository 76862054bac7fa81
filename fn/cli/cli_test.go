package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func run(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Main(args, Env{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb})
	return code, out.String(), errb.String()
}

const threeMistakes = "../krm/testdata/error/three-mistakes/config.yaml"
const minimal = "../krm/testdata/success/minimal/config.yaml"

func TestCommands(t *testing.T) {
	cases := map[string]struct {
		reason     string
		args       []string
		stdin      string
		wantCode   int
		wantOut    []string // substrings of stdout
		wantErr    []string // substrings of stderr
		wantNoOut  bool
		wantErrLen int // number of stderr lines, 0 = don't care
	}{
		"render valid": {
			reason: "a valid config renders to a YAML stream", args: []string{"render", minimal},
			wantOut: []string{"kind: Namespace", "---\n"},
		},
		"render three mistakes": {
			reason: "three problems, three lines with field paths, a summary, nothing on stdout",
			args:   []string{"render", threeMistakes}, wantCode: 1, wantNoOut: true, wantErrLen: 4,
			wantErr: []string{
				"spec.driver.installer.sha256: Invalid value",
				"spec.raid.driveGroups[0].physicalDrives: Invalid value: 3: raid6 needs at least 4 drives, got 3",
				"spec.raid.driveGroups[0].virtualDrives[0].mountPath: Invalid value",
				"3 problem(s); nothing generated",
			},
		},
		"render from stdin": {
			reason: "- reads the config from stdin", args: []string{"render", "-"}, stdin: mustRead(t, minimal),
			wantOut: []string{"kind: ServiceAccount"},
		},
		"render without file": {
			reason: "usage error exits 2", args: []string{"render"}, wantCode: 2, wantErr: []string{"needs exactly one FILE"},
		},
		"render missing file": {
			reason: "an unreadable file exits 1 with the OS error", args: []string{"render", "/nonexistent.yaml"}, wantCode: 1, wantErr: []string{"no such file"},
		},
		"validate valid":   {reason: "prints valid", args: []string{"validate", minimal}, wantOut: []string{"config.yaml: valid"}},
		"validate invalid": {reason: "exits 1", args: []string{"validate", threeMistakes}, wantCode: 1, wantNoOut: true},
		"version":          {reason: "prints the stamped version", args: []string{"version"}, wantOut: []string{"supremeraid-fn dev"}},
		"schema --crd":     {reason: "prints the CRD", args: []string{"schema", "--crd"}, wantOut: []string{"kind: CustomResourceDefinition"}},
		"unknown command":  {reason: "exits 2 and lists commands", args: []string{"rendr"}, wantCode: 2, wantErr: []string{`unknown command "rendr"`, "render"}},
		"help":             {reason: "lists every command", args: []string{"--help"}, wantOut: []string{"render", "validate", "schema", "node", "version"}},
		"render --help":    {reason: "per-command help", args: []string{"render", "--help"}, wantOut: []string{"Usage: supremeraid-fn render FILE"}},
		"help render":      {reason: "help COMMAND", args: []string{"help", "render"}, wantOut: []string{"Usage: supremeraid-fn render FILE"}},
		"node --help":      {reason: "the agent's own flags", args: []string{"node", "--help"}, wantErr: []string{"-layout"}},
		"krm error": {
			reason:   "function mode: errors reach stderr (kustomize) with paths, and the ResourceList keeps the results (kpt)",
			stdin:    resourceList(mustRead(t, threeMistakes)),
			wantCode: 1, wantOut: []string{"results:", "field:", "path: spec.driver.installer.sha256"},
			wantErr: []string{"supremeraid-fn: spec.raid.driveGroups[0].physicalDrives: Invalid value: 3"},
		},
		"krm ok": {
			reason: "function mode generates items", stdin: resourceList(mustRead(t, minimal)),
			wantOut: []string{"kind: ResourceList", "name: graid-node"},
		},
		"krm garbage": {
			reason: "input that is not a ResourceList exits 1 with a message", stdin: "not: [yaml", wantCode: 1,
			wantErr: []string{"supremeraid-fn:"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			code, out, errOut := run(t, tc.stdin, tc.args...)
			if code != tc.wantCode {
				t.Errorf("%s\nexit code %d, want %d\nstderr: %s", tc.reason, code, tc.wantCode, errOut)
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("%s\nstdout lacks %q:\n%s", tc.reason, w, out)
				}
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("%s\nstderr lacks %q:\n%s", tc.reason, w, errOut)
				}
			}
			if tc.wantNoOut && out != "" {
				t.Errorf("%s\nstdout should be empty, got:\n%s", tc.reason, out)
			}
			if n := strings.Count(errOut, "\n"); tc.wantErrLen > 0 && n != tc.wantErrLen {
				t.Errorf("%s\n%d stderr lines, want %d:\n%s", tc.reason, n, tc.wantErrLen, errOut)
			}
		})
	}
}

func TestSchemaIsJSON(t *testing.T) {
	code, out, _ := run(t, "", "schema")
	var v map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v["title"] == nil {
		t.Fatalf("schema: code %d, output is not the JSON Schema:\n%.200s", code, out)
	}
}

func mustRead(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func resourceList(cfg string) string {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n")
	for _, l := range strings.Split(strings.TrimRight(cfg, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}
