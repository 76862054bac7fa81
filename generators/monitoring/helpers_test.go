package monitoring

import (
	"os"
	"testing"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/testconfig"
	"supremeraid.dev/supremeraid-fn/internal/testtool"
)

var updateGolden = os.Getenv("UPDATE_GOLDEN") == "1"

// testConfig returns a defaulted, valid config after applying mutate.
func testConfig(t *testing.T, mutate func(*config.SupremeRAID)) *config.SupremeRAID {
	t.Helper()
	return testconfig.Valid(t, mutate)
}

// promtool finds the promtool binary: $PROMTOOL, the project's bin/ (`make tools`), or PATH.
func promtool(t *testing.T) string {
	t.Helper()
	return testtool.Find(t, "promtool", "PROMTOOL", "make tools builds bin/promtool")
}
