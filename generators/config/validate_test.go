package config

import (
	"fmt"
	"strings"
	"testing"
)

// valid returns a defaulted config that passes Validate; cases break one thing each.
func valid() *SupremeRAID {
	c := &SupremeRAID{Spec: Spec{
		Driver: Driver{
			Version:   "1.7.2",
			Installer: Installer{URL: "https://example.com/i.run", SHA256: strings.Repeat("a", 64)},
			KmodImage: "registry.example.com/graid/kmod",
		},
		NVIDIA: NVIDIA{DriverVersion: "550.90.07"},
		RAID: RAID{DriveGroups: []DriveGroup{{
			RAIDLevel: RAID5, PhysicalDrives: drives(0, 4),
			VirtualDrives: []VirtualDrive{{MountPath: "/var/mnt/sr/vd0"}},
		}}},
	}}
	c.APIVersion, c.Kind = APIVersion, Kind
	return c
}

func drives(from, n int) []string {
	var d []string
	for i := from; i < from+n; i++ {
		d = append(d, fmt.Sprintf("/dev/nvme%dn1", i))
	}
	return d
}

func vds(n int) []VirtualDrive {
	var v []VirtualDrive
	for i := 0; i < n; i++ {
		v = append(v, VirtualDrive{Size: "1Gi", MountPath: fmt.Sprintf("/var/mnt/sr/vd%d", i)})
	}
	return v
}

func TestValidateLimits(t *testing.T) {
	cases := map[string]struct {
		reason   string
		mutate   func(c *SupremeRAID)
		wantPath string // "" = valid
	}{
		"baseline":               {reason: "the fixture itself is valid", mutate: func(*SupremeRAID) {}},
		"raid0 with 2 drives":    {reason: "minimum for raid0", mutate: level(RAID0, 2)},
		"raid0 with 1 drive":     {reason: "raid0 takes one drive (nodelayout.MinDrives, the published table)", mutate: level(RAID0, 1)},
		"raid0 with 0 drives":    {reason: "below minimum", mutate: level(RAID0, 0), wantPath: "spec.raid.driveGroups[0].physicalDrives"},
		"raid1 with 2 drives":    {reason: "minimum for raid1", mutate: level(RAID1, 2)},
		"raid5 with 3 drives":    {reason: "minimum for raid5", mutate: level(RAID5, 3)},
		"raid5 with 2 drives":    {reason: "below minimum", mutate: level(RAID5, 2), wantPath: "spec.raid.driveGroups[0].physicalDrives"},
		"raid6 with 4 drives":    {reason: "minimum for raid6", mutate: level(RAID6, 4)},
		"raid6 with 3 drives":    {reason: "below minimum", mutate: level(RAID6, 3), wantPath: "spec.raid.driveGroups[0].physicalDrives"},
		"raid10 with 4 drives":   {reason: "minimum for raid10", mutate: level(RAID10, 4)},
		"raid10 with 6 drives":   {reason: "even count", mutate: level(RAID10, 6)},
		"raid10 with 5 drives":   {reason: "odd count", mutate: level(RAID10, 5), wantPath: "spec.raid.driveGroups[0].physicalDrives"},
		"32 drives in one group": {reason: "the per-group limit itself", mutate: level(RAID6, 32)},
		"33 drives in one group": {reason: "over the per-group limit", mutate: level(RAID6, 33), wantPath: "spec.raid.driveGroups[0].physicalDrives"},
		"8 groups of 4":          {reason: "8 groups, 32 drives: both limits exactly", mutate: groups(8, 4)},
		"9 groups of 2":          {reason: "over the group limit (18 drives)", mutate: groups(9, 2), wantPath: "spec.raid.driveGroups"},
		"1023 virtual drives":    {reason: "the virtual-drive limit itself", mutate: func(c *SupremeRAID) { c.Spec.RAID.DriveGroups[0].VirtualDrives = vds(1023) }},
		"1024 virtual drives":    {reason: "over the virtual-drive limit", mutate: func(c *SupremeRAID) { c.Spec.RAID.DriveGroups[0].VirtualDrives = vds(1024) }, wantPath: "spec.raid.driveGroups[0].virtualDrives"},
		"sizes then the rest":    {reason: "fixed sizes, then 100% for the rest of the group", mutate: pct("500Gi", "2Ti", "100%")},
		"rest not last":          {reason: "100% before another drive would leave it nothing", mutate: pct("100%", "1Ti"), wantPath: "spec.raid.driveGroups[0].virtualDrives[0].size"},
		"other percentage":       {reason: "graidctl cannot size by share of the group", mutate: pct("50%", "100%"), wantPath: "spec.raid.driveGroups[0].virtualDrives[0].size"},
		"decimal size":           {reason: "graidctl takes whole units", mutate: pct("1.5Ti"), wantPath: "spec.raid.driveGroups[0].virtualDrives[0].size"},
		"by-id dot-dot":          {reason: "a by-id path must name a link, not climb out", mutate: func(c *SupremeRAID) { c.Spec.RAID.DriveGroups[0].PhysicalDrives[0] = "/dev/disk/by-id/.." }, wantPath: "spec.raid.driveGroups[0].physicalDrives[0]"},
		"uid 2147483647":         {reason: "largest allowed id", mutate: tenantUID(2147483647)},
		"uid 2147483648":         {reason: "over int32", mutate: tenantUID(2147483648), wantPath: "spec.workloads.namespaces[0].runAsUser"},
		"by-id device": {reason: "stable names are accepted", mutate: func(c *SupremeRAID) {
			c.Spec.RAID.DriveGroups[0].PhysicalDrives[0] = "/dev/disk/by-id/nvme-eui.0025388b91b4f1a2"
		}},
		"partition is not a drive": {reason: "SupremeRAID takes whole namespaces", mutate: func(c *SupremeRAID) { c.Spec.RAID.DriveGroups[0].PhysicalDrives[0] = "/dev/nvme0n1p1" }, wantPath: "spec.raid.driveGroups[0].physicalDrives[0]"},
		"workload mount unknown":   {reason: "tenants need a real volume", mutate: func(c *SupremeRAID) { tenantUID(1)(c); c.Spec.Workloads.MountPath = "/var/mnt/none" }, wantPath: "spec.workloads.mountPath"},
		"node image tag+digest":    {reason: "tag and digest together are a valid reference", mutate: func(c *SupremeRAID) { c.Spec.Node.Image = "quay.io/a/b:v1@sha256:" + strings.Repeat("0", 64) }},
		"kmod image with tag":      {reason: "KMM adds the tag itself", mutate: func(c *SupremeRAID) { c.Spec.Driver.KmodImage = "quay.io/a/b:v1" }, wantPath: "spec.driver.kmodImage"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := valid()
			tc.mutate(c)
			c.Default()
			errs := c.Validate()
			switch {
			case tc.wantPath == "" && len(errs) > 0:
				t.Errorf("%s\nunexpected errors: %v", tc.reason, errs)
			case tc.wantPath != "" && (len(errs) == 0 || errs[0].Field != tc.wantPath):
				t.Errorf("%s\nwant first error at %s, got %v", tc.reason, tc.wantPath, errs)
			}
		})
	}
}

func level(l RAIDLevel, n int) func(*SupremeRAID) {
	return func(c *SupremeRAID) {
		c.Spec.RAID.DriveGroups[0].RAIDLevel = l
		c.Spec.RAID.DriveGroups[0].PhysicalDrives = drives(0, n)
	}
}

func groups(n, per int) func(*SupremeRAID) {
	return func(c *SupremeRAID) {
		c.Spec.RAID.DriveGroups = nil
		for i := 0; i < n; i++ {
			c.Spec.RAID.DriveGroups = append(c.Spec.RAID.DriveGroups, DriveGroup{
				RAIDLevel: RAID1, PhysicalDrives: drives(i*per, per),
				VirtualDrives: []VirtualDrive{{MountPath: fmt.Sprintf("/var/mnt/g%d", i)}},
			})
		}
	}
}

func pct(sizes ...string) func(*SupremeRAID) {
	return func(c *SupremeRAID) {
		c.Spec.RAID.DriveGroups[0].VirtualDrives = vds(len(sizes))
		for i, s := range sizes {
			c.Spec.RAID.DriveGroups[0].VirtualDrives[i].Size = s
		}
	}
}

func tenantUID(uid int64) func(*SupremeRAID) {
	return func(c *SupremeRAID) {
		c.Spec.Workloads.Namespaces = []TenantNamespace{{Name: "team", RunAsUser: uid, RunAsGroup: 10000}}
	}
}
