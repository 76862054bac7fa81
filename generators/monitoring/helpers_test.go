package monitoring

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/testconfig"
)

var updateGolden = os.Getenv("UPDATE_GOLDEN") == "1"

// testConfig returns a defaulted, valid config after applying mutate.
func testConfig(t *testing.T, mutate func(*config.SupremeRAID)) *config.SupremeRAID {
	t.Helper()
	return testconfig.Valid(t, mutate)
}

// promtool finds the promtool binary: $PROMTOOL, the project's bin/ (`make tools`), or PATH.
// Without it the test is skipped, unless SUPREMERAID_REQUIRE_TOOLS=1 (`make test`).
func promtool(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PROMTOOL"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	_, file, _, _ := runtime.Caller(0)
	local := filepath.Join(filepath.Dir(file), "..", "..", "bin", "promtool")
	if _, err := os.Stat(local); err == nil {
		return local
	}
	if p, err := exec.LookPath("promtool"); err == nil {
		return p
	}
	msg := "promtool not found (build it with `make tools` or `make bin/promtool`)"
	if os.Getenv("SUPREMERAID_REQUIRE_TOOLS") == "1" {
		t.Fatalf("SUPREMERAID_REQUIRE_TOOLS=1 but %s", msg)
	}
	t.Skip(msg)
	return ""
}
