package kmod

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"supremeraid.dev/supremeraid-fn/internal/testtool"
)

// missing skips the test, or fails it when SUPREMERAID_REQUIRE_TOOLS=1, so `make test` never
// passes by skipping.
func missing(t *testing.T, what string) {
	t.Helper()
	testtool.Missing(t, "%s (run `make tools-apt` to install it)", what)
}

// needTools returns the absolute path of each named program, or skips/fails if one is missing.
func needTools(t *testing.T, names ...string) map[string]string {
	t.Helper()
	paths := map[string]string{}
	var absent []string
	for _, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			absent = append(absent, n)
			continue
		}
		paths[n] = p
	}
	if len(absent) > 0 {
		missing(t, "missing programs: "+strings.Join(absent, ", "))
	}
	return paths
}

// kernelBuildDir finds installed kernel headers (Debian's linux-headers-amd64 provides
// /lib/modules/<kver>/build) and returns the kernel release and its build directory.
func kernelBuildDir(t *testing.T) (kver, dir string) {
	t.Helper()
	found, _ := filepath.Glob("/lib/modules/*/build/Makefile")
	if len(found) == 0 {
		missing(t, "no kernel headers under /lib/modules/*/build (Debian package linux-headers-amd64)")
	}
	sort.Strings(found)
	dir = filepath.Dir(found[len(found)-1])
	return filepath.Base(filepath.Dir(dir)), dir
}

// scriptEnv is a minimal, fixed environment for running build.sh, plus extra KEY=value pairs.
func scriptEnv(t *testing.T, extra ...string) []string {
	t.Helper()
	tmp := t.TempDir()
	env := []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=" + tmp,
		"TMPDIR=" + tmp,
		"LC_ALL=C",
		"MAKE_JOBS=2",
		// Never the real /usr/src: the NVIDIA tree is built into the test's temp dir.
		"NVIDIA_TREE_ROOT=" + filepath.Join(tmp, "usr-src"),
	}
	return append(env, extra...)
}

// writeScript writes the embedded build script, the exact bytes the Dockerfile inlines.
func writeScript(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "build.sh")
	if err := os.WriteFile(p, BuildScript(), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// runScript runs build.sh with env and returns its combined output and whether it succeeded.
func runScript(t *testing.T, script string, env []string) (string, bool) {
	t.Helper()
	needTools(t, "bash")
	cmd := exec.Command("bash", script)
	cmd.Env = env
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("running build.sh: %v", err)
		}
	}
	return string(out), err == nil
}

// callSnippet sources build.sh (which then does not run main: $0 is not the script) and runs
// snippet in that shell with args as $1... It returns stdout and stderr separately.
func callSnippet(t *testing.T, script string, env []string, snippet string, args ...string) (stdout, stderr string, ok bool) {
	t.Helper()
	needTools(t, "bash")
	cmd := exec.Command("bash", append([]string{"-c", `source "$1" && shift` + "\n" + snippet, "kmod-test", script}, args...)...)
	cmd.Env = env
	cmd.Dir = t.TempDir()
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if err != nil {
		if _, isExit := err.(*exec.ExitError); !isExit {
			t.Fatalf("running a snippet of build.sh: %v", err)
		}
	}
	return out.String(), errOut.String(), err == nil
}
