package krm_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	"github.com/google/go-cmp/cmp"

	"supremeraid.dev/supremeraid-fn/fn/krm"
	"supremeraid.dev/supremeraid-fn/generators/opa"
)

// UPDATE_GOLDEN=1 go test ./fn/krm -run Golden rewrites expected.yaml from the current output.
var updateGolden = os.Getenv("UPDATE_GOLDEN") == "1"

// TestGoldenSuccess renders every testdata/success/<case>/config.yaml and compares the YAML
// stream byte for byte with expected.yaml.
func TestGoldenSuccess(t *testing.T) {
	dirs, _ := filepath.Glob("testdata/success/*")
	if len(dirs) == 0 {
		t.Fatal("no success cases found")
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := renderFile(t, filepath.Join(dir, "config.yaml"))
			golden := filepath.Join(dir, "expected.yaml")
			if updateGolden {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("output differs from %s (-want +got):\n%s", golden, diff)
			}
			assertClean(t, got)
		})
	}
}

// TestGoldenErrors checks that every testdata/error/<case>/config.yaml fails with exactly the
// field paths listed in errors.txt (one "PATH: REGEX" per line, in order), both through Load
// and, where the config is valid YAML, through the KRM function: results carry the paths and no
// item is generated.
func TestGoldenErrors(t *testing.T) {
	for _, dir := range caseDirs(t, "error") {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(dir, "config.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			want := readErrorsTxt(t, filepath.Join(dir, "errors.txt"))

			cfg, problems := krm.Load(data)
			if cfg != nil || len(problems) == 0 {
				t.Fatalf("Load accepted a config that should fail")
			}
			var got []pathMsg
			for _, p := range problems {
				got = append(got, pathMsg{p.Field, p.ErrorBody()})
			}
			comparePaths(t, "Load", want, got)

			obj, err := fn.ParseKubeObject(data)
			if err != nil {
				return // not a parsable object: only the CLI/Load path applies
			}
			rl := &fn.ResourceList{FunctionConfig: obj, Items: fn.KubeObjects{}}
			ok, err := krm.Process(rl)
			if ok || err != nil {
				t.Fatalf("Process = %v, %v; want false, nil", ok, err)
			}
			if len(rl.Items) != 0 {
				t.Errorf("Process added %d items on error; want none", len(rl.Items))
			}
			got = nil
			for _, r := range rl.Results {
				if r.Severity != fn.Error {
					t.Errorf("result %q has severity %q; want error", r.Message, r.Severity)
				}
				path := ""
				if r.Field != nil {
					path = r.Field.Path
				}
				got = append(got, pathMsg{path, r.Message})
			}
			comparePaths(t, "Process results", want, got)
		})
	}
}

type pathMsg struct{ path, msg string }

func readErrorsTxt(t *testing.T, name string) []pathMsg {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	var out []pathMsg
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		path, re, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("%s: line %q is not PATH: REGEX", name, line)
		}
		out = append(out, pathMsg{path, re})
	}
	return out
}

func comparePaths(t *testing.T, what string, want, got []pathMsg) {
	t.Helper()
	var wantPaths, gotPaths []string
	for _, w := range want {
		wantPaths = append(wantPaths, w.path)
	}
	for _, g := range got {
		gotPaths = append(gotPaths, g.path)
	}
	if diff := cmp.Diff(wantPaths, gotPaths); diff != "" {
		t.Fatalf("%s: field paths differ (-want +got):\n%s\nmessages: %v", what, diff, got)
	}
	for i, w := range want {
		if !regexp.MustCompile("(?s)" + w.msg).MatchString(got[i].msg) {
			t.Errorf("%s: %s: message %q does not match %q", what, w.path, got[i].msg, w.msg)
		}
	}
}

func renderFile(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	docs, _, problems, err := krm.Render(data)
	if len(problems) > 0 || err != nil {
		t.Fatalf("Render(%s): problems %v, err %v", name, problems, err)
	}
	return bytes.Join(docs, []byte("---\n"))
}

// assertClean fails on the serialisation noise and leaked orchestrator annotations that users
// of other KRM functions keep tripping over.
func assertClean(t *testing.T, out []byte) {
	t.Helper()
	// The chart-values ConfigMap is the one deliberate local-config object (kpt keeps it in the
	// package; kustomize leaves it out of what gets applied).
	out = bytes.ReplaceAll(out, []byte("    "+opa.LocalConfigAnnotation+": \"true\"\n"), nil)
	for _, bad := range []string{
		"creationTimestamp", "status:", ": {}\n", ": null", "internal.config.kubernetes.io",
		"config.kubernetes.io/local-config", "config.kubernetes.io/index", "config.kubernetes.io/path",
	} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("output contains %q", bad)
		}
	}
}
