// Package testtool finds the real tools the tests run (kustomize, helm, promtool, mkfs, ...) and
// decides what a missing one means: a skip that says how to install it, or, under
// SUPREMERAID_REQUIRE_TOOLS=1 (set by `make test`), a failure, so CI never passes by skipping.
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// RequireEnv makes a missing tool fatal instead of a skip.
const RequireEnv = "SUPREMERAID_REQUIRE_TOOLS"

// Required reports whether a missing tool fails the test.
func Required() bool { return os.Getenv(RequireEnv) == "1" }

// Missing skips t with the reason, or fails it when tools are required.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf(RequireEnv+"=1 but "+format, args...)
		return
	}
	t.Skipf(format, args...)
}

// RepoBin is the repository's bin/ directory, where `make tools` installs the Go tools.
func RepoBin() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "bin")
}

// Find returns the path of a tool: $env when set (the Makefile exports the tools it builds),
// else bin/<name> of the repository, else PATH, else /usr/sbin or /sbin. Missing, it calls
// Missing with install as the way to get it.
func Find(t testing.TB, name, env, install string) string {
	t.Helper()
	if env != "" {
		if p := os.Getenv(env); p != "" && executable(p) {
			return p
		}
	}
	if p := filepath.Join(RepoBin(), name); executable(p) {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		if p := filepath.Join(dir, name); executable(p) {
			return p
		}
	}
	Missing(t, "%s not found (%s)", name, install)
	return ""
}

func executable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}
