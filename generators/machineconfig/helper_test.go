package machineconfig

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

func boolPtr(b bool) *bool    { return &b }
func strPtr(s string) *string { return &s }
func int32Ptr(i int32) *int32 { return &i }
