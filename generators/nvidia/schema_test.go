package nvidia_test

import (
	"strings"
	"testing"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/crdcheck"
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
	c := &config.SupremeRAID{}
	c.APIVersion, c.Kind, c.Name = config.APIVersion, config.Kind, "graid"
	c.Spec.Driver = config.Driver{
		Version:   "1.7.2",
		Installer: config.Installer{URL: "https://downloads.example.com/graid.run", SHA256: "3f2b6c1e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a090"},
		KmodImage: "image-registry.openshift-image-registry.svc:5000/supremeraid/graid-kmod",
	}
	c.Spec.NVIDIA.DriverVersion = "550.90.07"
	c.Spec.RAID.DriveGroups = []config.DriveGroup{{
		RAIDLevel:      config.RAID1,
		PhysicalDrives: []string{"/dev/nvme0n1", "/dev/nvme1n1"},
		VirtualDrives:  []config.VirtualDrive{{MountPath: "/var/mnt/supremeraid/vd0"}},
	}}
	if mutate != nil {
		mutate(c)
	}
	c.Default()
	if errs := c.Validate(); len(errs) > 0 {
		t.Fatalf("test config is invalid: %v", errs.ToAggregate())
	}
	return c
}
