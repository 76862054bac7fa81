package agent

import (
	"encoding/json"
	"os"
	"os/exec"
	"syscall"
	"testing"
)

// requireTool finds an external tool in PATH. Without it the test is
// skipped with the reason, unless SUPREMERAID_REQUIRE_TOOLS=1 (set by
// `make test`), where a missing tool fails the test.
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		missing(t, name+" not found in PATH (install with `make tools-apt`)")
	}
	return p
}

// missing skips or fails, depending on SUPREMERAID_REQUIRE_TOOLS.
func missing(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv("SUPREMERAID_REQUIRE_TOOLS") == "1" {
		t.Fatalf("SUPREMERAID_REQUIRE_TOOLS=1 but %s", reason)
	}
	t.Skip(reason)
}

// sparseFile creates a file of the given size and returns its path.
func sparseFile(t *testing.T, dir, name string, size int64) string {
	t.Helper()
	p := dir + "/" + name
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	return p
}

func runTool(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := exec.Command(requireTool(t, name), args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func uidGid(fi os.FileInfo) [2]int {
	s, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return [2]int{-1, -1}
	}
	return [2]int{int(s.Uid), int(s.Gid)}
}

func mkdirAll(p string) error { return os.MkdirAll(p, 0o755) }

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
