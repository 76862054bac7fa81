package machineconfig_test

import (
	"testing"

	ign "github.com/coreos/ignition/v2/config/v3_2"
	"github.com/google/go-cmp/cmp"
	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/generators"
	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/crdcheck"
	"supremeraid.dev/supremeraid-fn/generators/internal/testconfig"
	"supremeraid.dev/supremeraid-fn/generators/machineconfig"
)

// TestSchema checks every object as the API server would with openshift/api's CRDs, and
// strict-decodes the rendered YAML (what users apply) into openshift/api's Go types: no
// unknown or duplicate field, and the values arrive where the MCO reads them.
func TestSchema(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
	}{
		"worker pool": {reason: "the defaults"},
		"custom pool": {reason: "a custom pool and its MachineConfig", mutate: func(c *config.SupremeRAID) {
			c.Spec.MachineConfig.CustomPool = &config.CustomPool{Name: "storage"}
			c.Spec.ArgoCD.SyncWaves = true
		}},
		"custom kernel args": {reason: "every kernel switch changed and extra arguments", mutate: func(c *config.SupremeRAID) {
			off := "off"
			no := false
			c.Spec.Kernel = config.Kernel{IOMMU: &off, NVMeMultipath: &no, BlacklistNouveau: &no, ExtraArgs: []string{"pci=realloc", "nvme.poll_queues=4"}}
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Logf("reason: %s", tc.reason)
			objs, err := machineconfig.Generate(testConfig(t, tc.mutate))
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range objs {
				m, err := generators.ToMap(o)
				if err != nil {
					t.Fatal(err)
				}
				y, err := generators.ToYAML(m)
				if err != nil {
					t.Fatal(err)
				}
				switch o := o.(type) {
				case *machineconfig.MachineConfig:
					crdcheck.Validate(t, "machineconfiguration.openshift.io_machineconfigs.yaml", o)
					var got mcfgv1.MachineConfig
					if err := yaml.UnmarshalStrict(y, &got); err != nil {
						t.Fatalf("%s does not strict-decode into openshift/api MachineConfig: %v\n%s", o.Name, err, y)
					}
					if diff := cmp.Diff(o.Spec.KernelArguments, got.Spec.KernelArguments); diff != "" {
						t.Errorf("%s: kernel arguments (-generated +decoded):\n%s", o.Name, diff)
					}
					if got.Labels[machineconfig.RoleLabel] == "" {
						t.Errorf("%s: no role label after decoding", o.Name)
					}
					// The MCO parses spec.config with Ignition; it must still be valid after the
					// trip through YAML.
					if _, _, err := ign.Parse(got.Spec.Config.Raw); err != nil {
						t.Errorf("%s: spec.config after YAML round trip: %v", o.Name, err)
					}
				case *machineconfig.MachineConfigPool:
					crdcheck.Validate(t, "machineconfiguration.openshift.io_machineconfigpools.yaml", o)
					var got mcfgv1.MachineConfigPool
					if err := yaml.UnmarshalStrict(y, &got); err != nil {
						t.Fatalf("%s does not strict-decode into openshift/api MachineConfigPool: %v\n%s", o.Name, err, y)
					}
					if got.Spec.MaxUnavailable == nil || got.Spec.MaxUnavailable.IntValue() != 1 || got.Spec.Paused {
						t.Errorf("%s: decoded spec %+v", o.Name, got.Spec)
					}
				case *machineconfig.KubeletConfig:
					checkKubeletConfig(t, o, y)
				default:
					t.Fatalf("unexpected %T", o)
				}
			}
		})
	}
}

func testConfig(t *testing.T, mutate func(*config.SupremeRAID)) *config.SupremeRAID {
	t.Helper()
	return testconfig.Valid(t, mutate)
}
