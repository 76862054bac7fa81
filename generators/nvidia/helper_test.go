package nvidia

import (
	"testing"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/testconfig"
)

// testConfig returns a defaulted, valid config after applying mutate.
func testConfig(t *testing.T, mutate func(*config.SupremeRAID)) *config.SupremeRAID {
	t.Helper()
	return testconfig.Valid(t, mutate)
}
