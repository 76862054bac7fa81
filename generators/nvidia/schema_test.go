package nvidia_test

import (
	"strings"
	"testing"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/crdcheck"
	"supremeraid.dev/supremeraid-fn/generators/internal/testconfig"
	"supremeraid.dev/supremeraid-fn/generators/nvidia"
)

// TestClusterPolicySchema checks the ClusterPolicy as the API server would with the GPU
// Operator's CRD (v26.7.0, generators/internal/crdcheck/testdata/crds): every required section
// present after pruning empty mappings, every field known, every value allowed.
func TestClusterPolicySchema(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
	}{
		"defaults":   {reason: "the ClusterPolicy of a minimal config"},
		"sync waves": {reason: "the Argo CD annotation is plain metadata", mutate: func(c *config.SupremeRAID) { c.Spec.ArgoCD.SyncWaves = true }},
		"old driver": {reason: "a three-part R535 version", mutate: func(c *config.SupremeRAID) { c.Spec.NVIDIA.DriverVersion = "535.183.06" }},
		"open modules": {reason: "kernelModuleType open is in the CRD's enum",
			mutate: func(c *config.SupremeRAID) { c.Spec.NVIDIA.KernelModuleType = config.NVIDIAOpen }},
		"mirror": {reason: "repository with a registry port, image from a digest reference",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.NVIDIA.DriverImage = "mirror.example.com:5000/nvidia/driver@sha256:" + strings.Repeat("ab", 32)
			}},
		"two-part driver": {reason: "a two-part version the config allows",
			mutate: func(c *config.SupremeRAID) { c.Spec.NVIDIA.DriverVersion = "570.86" }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := nvidia.Generate(testConfig(t, tc.mutate))
			if err != nil || len(objs) != 1 {
				t.Fatalf("%s: want one object, got %d, err %v", tc.reason, len(objs), err)
			}
			t.Logf("reason: %s", tc.reason)
			crdcheck.Validate(t, "nvidia.com_clusterpolicies.yaml", objs[0])
		})
	}
}

func testConfig(t *testing.T, mutate func(*config.SupremeRAID)) *config.SupremeRAID {
	t.Helper()
	return testconfig.Valid(t, mutate)
}
