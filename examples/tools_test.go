// Package examples_test runs the examples and overlays with the real tools users run them with:
// kustomize v5.7.1, kpt v1.0.0-beta.49 and the built supremeraid-fn binary (make tools build).
// It also checks the Dockerfile and the Argo CD plugin files they depend on.
package examples_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/fn/krm"
	"supremeraid.dev/supremeraid-fn/internal/testtool"
)

// UPDATE_GOLDEN=1 rewrites the golden files under testdata/golden from the current output.
var updateGolden = os.Getenv("UPDATE_GOLDEN") == "1"

// repoRoot is the repository root (this file lives in examples/).
func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate the test source")
	}
	return filepath.Dir(filepath.Dir(file))
}

// missingTool skips the test, or fails it when SUPREMERAID_REQUIRE_TOOLS=1 (make test), so a CI
// run never passes by skipping.
func missingTool(t *testing.T, format string, args ...any) {
	t.Helper()
	testtool.Missing(t, format+" (run `make tools build`, or `make test-examples`)", args...)
}

// tool returns the absolute path of a tool: $ENV (the Makefile sets it), else bin/<name> in the
// repository, else PATH.
func tool(t *testing.T, env, name string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		if _, err := os.Stat(p); err != nil {
			missingTool(t, "%s=%s: %v", env, p, err)
		}
		return p
	}
	if p := filepath.Join(repoRoot(t), "bin", name); fileExists(p) {
		return p
	}
	p, err := exec.LookPath(name)
	if err != nil {
		missingTool(t, "%s not found: set %s, or put it in bin/ or on PATH", name, env)
	}
	abs, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

var (
	kustomizeOnce    sync.Once
	kustomizeVersion string
)

// kustomizeBin is the kustomize binary; it must be the release the goldens were made with.
func kustomizeBin(t *testing.T) string {
	t.Helper()
	p := tool(t, "KUSTOMIZE", "kustomize")
	kustomizeOnce.Do(func() {
		out, err := exec.Command(p, "version").Output()
		if err == nil {
			kustomizeVersion = strings.TrimSpace(string(out))
		}
	})
	if want := makefileVar(t, "KUSTOMIZE_VERSION"); kustomizeVersion != want {
		missingTool(t, "%s is kustomize %q, want %s", p, kustomizeVersion, want)
	}
	return p
}

func kptBin(t *testing.T) string {
	t.Helper()
	return tool(t, "KPT", "kpt")
}

var (
	fnOnce  sync.Once
	fnStale string
)

// fnBin is the supremeraid-fn binary. It must be built from the current source: its render
// output is compared once with the in-process renderer, so a stale binary fails with a hint
// instead of with a confusing golden diff.
func fnBin(t *testing.T) string {
	t.Helper()
	p := tool(t, "SUPREMERAID_FN", "supremeraid-fn")
	cfg := filepath.Join(repoRoot(t), "examples", "kustomize", "supremeraid.yaml")
	fnOnce.Do(func() {
		data, err := os.ReadFile(cfg)
		if err != nil {
			fnStale = err.Error()
			return
		}
		docs, _, problems, err := krm.Render(data)
		if len(problems) > 0 || err != nil {
			fnStale = fmt.Sprintf("the example config does not render in-process: %v %v", problems, err)
			return
		}
		out, err := exec.Command(p, "render", cfg).Output()
		if err != nil {
			fnStale = p + " render: " + err.Error()
			return
		}
		if diff := cmp.Diff(string(bytes.Join(docs, []byte("---\n"))), string(out)); diff != "" {
			fnStale = p + " renders differently from the source (stale binary? run `make build`):\n" + diff
		}
	})
	if fnStale != "" {
		t.Fatal(fnStale)
	}
	return p
}

// toolPath is a PATH with the directories of the fn and kustomize binaries first, the way the
// README tells users to run the PATH-based examples and the way the Argo CD sidecar image is
// laid out.
func toolPath(t *testing.T) string {
	t.Helper()
	dirs := []string{filepath.Dir(fnBin(t)), filepath.Dir(kustomizeBin(t))}
	return strings.Join(append(dirs, os.Getenv("PATH")), string(os.PathListSeparator))
}

// result of one command run.
type result struct {
	stdout, stderr string
	err            error
}

// run runs name with args in dir with extra environment entries added to the test's.
func run(t *testing.T, dir string, env []string, name string, args ...string) result {
	t.Helper()
	return runEnv(t, dir, append(os.Environ(), env...), name, args...)
}

// runEnv runs name with args in dir with exactly env (name is looked up on env's PATH). A
// generous deadline makes a hung tool fail the test instead of the whole run (it is not a
// timing assertion).
func runEnv(t *testing.T, dir string, env []string, name string, args ...string) result {
	t.Helper()
	if !strings.ContainsRune(name, filepath.Separator) {
		p, err := lookPath(name, env)
		if err != nil {
			return result{err: err}
		}
		name = p
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return result{stdout.String(), stderr.String(), err}
}

// mustRun is run that fails the test on a non-zero exit.
func mustRun(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	r := run(t, dir, env, name, args...)
	if r.err != nil {
		t.Fatalf("%s %s (in %s): %v\nstderr:\n%s", name, strings.Join(args, " "), dir, r.err, r.stderr)
	}
	return r.stdout
}

// golden compares got with testdata/golden/<name>, rewriting it first under UPDATE_GOLDEN=1.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if updateGolden {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("output differs from %s (-want +got; UPDATE_GOLDEN=1 rewrites it after review):\n%s", path, diff)
	}
}

// makefileVar returns the value of a `NAME := value` line of the Makefile.
func makefileVar(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":=")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("Makefile has no %s := line", name)
	return ""
}

// lookPath finds name on the PATH in env (the last PATH entry wins, as with exec).
func lookPath(name string, env []string) (string, error) {
	path := ""
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s not found on PATH %s", name, path)
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// readYAML decodes one YAML document into a generic map.
func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := yaml.UnmarshalStrict(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return m
}

// get walks a generic YAML value along keys (string for maps, int for lists); nil if absent.
func get(v any, keys ...any) any {
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		}
	}
	return v
}

// copyDir copies the regular files of src into dst (created), keeping modes.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, info.Mode().Perm())
	})
	if err != nil {
		t.Fatalf("copying %s to %s: %v", src, dst, err)
	}
}

// readTree returns every regular file under dir by slash-separated relative path.
func readTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		out[filepath.ToSlash(rel)] = string(data)
		return err
	})
	if err != nil {
		t.Fatalf("reading %s: %v", dir, err)
	}
	return out
}
