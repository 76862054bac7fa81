package binaries

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder stands in for *testing.T so the skip/fail decision itself can be
// checked; the embedded interface supplies the methods Require never calls.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                          {}
func (r *recorder) Skipf(format string, args ...any) { r.skipped = fmt.Sprintf(format, args...) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func writeFile(t *testing.T, path string, mode os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestFind(t *testing.T) {
	dir := t.TempDir()
	exe := writeFile(t, filepath.Join(dir, "fake-tool"), 0o755)
	notExe := writeFile(t, filepath.Join(dir, "not-exec"), 0o644)
	onPath := writeFile(t, filepath.Join(dir, "e2e-only-on-path"), 0o755)

	cases := map[string]struct {
		reason  string
		tool    Tool
		env     string
		path    string
		want    string
		wantErr string
	}{
		"env var wins": {
			reason: "the Makefile pins the exact binary through the env var",
			tool:   Tool{Name: "e2e-only-on-path", EnvVar: "E2E_TEST_TOOL"}, env: exe, path: dir, want: exe,
		},
		"env var not executable": {
			reason: "a wrong env var must be reported, not fall through to PATH",
			tool:   Tool{Name: "e2e-only-on-path", EnvVar: "E2E_TEST_TOOL"}, env: notExe, path: dir,
			wantErr: "not an executable",
		},
		"env var missing file": {
			reason: "a wrong env var must be reported, not fall through to PATH",
			tool:   Tool{Name: "e2e-only-on-path", EnvVar: "E2E_TEST_TOOL"}, env: filepath.Join(dir, "nope"), path: dir,
			wantErr: "E2E_TEST_TOOL=",
		},
		"PATH fallback": {
			reason: "without env var or <repo>/bin the tool may come from PATH",
			tool:   Tool{Name: "e2e-only-on-path", EnvVar: "E2E_TEST_TOOL"}, path: dir, want: onPath,
		},
		"missing everywhere": {
			reason: "the error must say how to install the tool",
			tool:   Tool{Name: "e2e-no-such-tool", EnvVar: "E2E_TEST_TOOL", Install: "make tools-e2e"}, path: dir,
			wantErr: "install it with `make tools-e2e`",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv("E2E_TEST_TOOL", tc.env)
			t.Setenv("PATH", tc.path)
			got, err := tc.tool.Find()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: error = %v, want it to contain %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("%s: Find() = %q, %v; want %q", tc.reason, got, err, tc.want)
			}
		})
	}
}

func TestRequireSkipsOrFails(t *testing.T) {
	dir := t.TempDir()
	exe := writeFile(t, filepath.Join(dir, "present"), 0o755)
	present := Tool{Name: "present", EnvVar: "E2E_TEST_PRESENT"}
	absent := Tool{Name: "e2e-absent-tool", EnvVar: "E2E_TEST_ABSENT", Install: "make something"}

	cases := map[string]struct {
		reason      string
		require     string
		tools       []Tool
		wantSkip    bool
		wantFail    bool
		wantPaths   []string
		wantMessage string
	}{
		"all present": {
			reason: "present tools are returned in order", tools: []Tool{present, present},
			wantPaths: []string{exe, exe},
		},
		"missing skips by default": {
			reason: "a developer without the tools gets a skip that says why", tools: []Tool{present, absent},
			wantSkip: true, wantMessage: "make something",
		},
		"missing fails when required": {
			reason: "make test sets SUPREMERAID_REQUIRE_TOOLS=1 and must never skip", require: "1",
			tools: []Tool{absent}, wantFail: true, wantMessage: "SUPREMERAID_REQUIRE_TOOLS=1",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv("E2E_TEST_PRESENT", exe)
			t.Setenv("E2E_TEST_ABSENT", "")
			t.Setenv("PATH", dir)
			t.Setenv(RequireEnv, tc.require)
			r := &recorder{}
			got := Require(r, tc.tools...)
			if (r.skipped != "") != tc.wantSkip || (r.failed != "") != tc.wantFail {
				t.Fatalf("%s: skipped=%q failed=%q, want skip=%v fail=%v", tc.reason, r.skipped, r.failed, tc.wantSkip, tc.wantFail)
			}
			if msg := r.skipped + r.failed; !strings.Contains(msg, tc.wantMessage) {
				t.Errorf("%s: message %q does not contain %q", tc.reason, msg, tc.wantMessage)
			}
			if strings.Join(got, ",") != strings.Join(tc.wantPaths, ",") {
				t.Errorf("%s: paths = %v, want %v", tc.reason, got, tc.wantPaths)
			}
		})
	}
}

func TestRepoRootFindsProductModule(t *testing.T) {
	root, err := RepoRoot()
	if err != nil {
		t.Fatalf("RepoRoot: %v", err)
	}
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "module supremeraid.dev/supremeraid-fn\n") {
		t.Errorf("RepoRoot() = %s, whose go.mod is not the product module; the e2e module's own go.mod must be passed over", root)
	}
	if _, err := os.Stat(filepath.Join(root, "e2e", "go.mod")); err != nil {
		t.Errorf("RepoRoot() = %s has no e2e/go.mod: %v", root, err)
	}
}

func TestRepoRootFailsOutsideTheRepo(t *testing.T) {
	t.Chdir(t.TempDir())
	if root, err := RepoRoot(); err == nil {
		t.Errorf("RepoRoot() outside any repository = %q, want an error", root)
	}
}
