// Package testconfig builds the small valid config the generator tests start from, so each test
// case states only what it changes.
package testconfig

import (
	"testing"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// SHA256 is the installer checksum of the test config.
const SHA256 = "3f2b6c1e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a090"

// Valid returns a defaulted, valid config (one raid1 group, one virtual drive) after applying
// mutate; it fails t if mutate made it invalid.
func Valid(t testing.TB, mutate func(*config.SupremeRAID)) *config.SupremeRAID {
	t.Helper()
	c := &config.SupremeRAID{}
	c.APIVersion, c.Kind, c.Name = config.APIVersion, config.Kind, "graid"
	c.Spec.Driver = config.Driver{
		Version:   "1.7.2",
		Installer: config.Installer{URL: "https://downloads.example.com/graid.run", SHA256: SHA256},
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
