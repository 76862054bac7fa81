package nfd_test

import (
	"testing"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/crdcheck"
	"supremeraid.dev/supremeraid-fn/generators/nfd"
)

// TestNodeFeatureRuleSchema checks the rule as the API server would with NFD's CRD (v0.19.0,
// generators/internal/crdcheck/testdata/crds): known fields, allowed operators, cluster scope.
func TestNodeFeatureRuleSchema(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
	}{
		"defaults":   {reason: "the rule of a minimal config"},
		"own IDs":    {reason: "a single user-supplied device ID", mutate: func(c *config.SupremeRAID) { c.Spec.NodeDiscovery.GPUDeviceIDs = []string{"25b0"} }},
		"sync waves": {reason: "the Argo CD annotation is plain metadata", mutate: func(c *config.SupremeRAID) { c.Spec.ArgoCD.SyncWaves = true }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := &config.SupremeRAID{}
			c.APIVersion, c.Kind, c.Name = config.APIVersion, config.Kind, "graid"
			c.Spec.NVIDIA.DriverVersion = "550.90.07"
			if tc.mutate != nil {
				tc.mutate(c)
			}
			c.Default() // the rule needs only defaults; RAID and driver settings play no part
			objs, err := nfd.Generate(c)
			if err != nil || len(objs) != 1 {
				t.Fatalf("%s: want one object, got %d, err %v", tc.reason, len(objs), err)
			}
			t.Logf("reason: %s", tc.reason)
			crdcheck.Validate(t, "nfd.k8s-sigs.io_crds.yaml", objs[0])
		})
	}
}
