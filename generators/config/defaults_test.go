package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"
)

func TestDefault(t *testing.T) {
	minimal := func() *SupremeRAID {
		return &SupremeRAID{Spec: Spec{RAID: RAID{DriveGroups: []DriveGroup{{
			RAIDLevel: RAID1, PhysicalDrives: []string{"/dev/nvme0n1", "/dev/nvme1n1"},
			VirtualDrives: []VirtualDrive{{MountPath: "/var/mnt/a"}, {MountPath: "/var/mnt/b", Size: "1Ti", Filesystem: Ext4}},
		}}}, Workloads: Workloads{Namespaces: []TenantNamespace{{Name: "t", RunAsUser: 5, RunAsGroup: 6}}}}}
	}
	cases := map[string]struct {
		reason string
		in     func() *SupremeRAID
		check  func(t *testing.T, c *SupremeRAID)
	}{
		"names and namespaces": {
			reason: "unset names take the documented defaults",
			in:     minimal,
			check: func(t *testing.T, c *SupremeRAID) {
				want := []string{DefaultName, DefaultNamespace, "graid-license", DefaultOPANamespace}
				got := []string{c.Name, c.Spec.Namespace, c.Spec.Driver.LicenseSecret, c.Spec.OPA.Namespace}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Error(diff)
				}
			},
		},
		"virtual drives": {
			reason: "size and filesystem default per drive; set values stay",
			in:     minimal,
			check: func(t *testing.T, c *SupremeRAID) {
				vds := c.Spec.RAID.DriveGroups[0].VirtualDrives
				if vds[0].Size != "100%" || vds[0].Filesystem != XFS || vds[1].Size != "1Ti" || vds[1].Filesystem != Ext4 {
					t.Errorf("got %+v", vds)
				}
			},
		},
		"workloads": {
			reason: "the first virtual drive serves workloads; fsGroup follows runAsGroup",
			in:     minimal,
			check: func(t *testing.T, c *SupremeRAID) {
				w := c.Spec.Workloads
				if w.MountPath != "/var/mnt/a" || w.PodLabel != DefaultPodLabel || w.ContainerPath != DefaultContainerPath || *w.Namespaces[0].FSGroup != 6 {
					t.Errorf("got %+v", w)
				}
			},
		},
		"custom pool becomes the target pool": {
			reason: "with a dedicated pool the MachineConfig targets it, not worker",
			in: func() *SupremeRAID {
				c := minimal()
				c.Spec.MachineConfig.CustomPool = &CustomPool{Name: "storage"}
				return c
			},
			check: func(t *testing.T, c *SupremeRAID) {
				if diff := cmp.Diff([]string{"storage"}, c.Spec.MachineConfig.Pools); diff != "" {
					t.Error(diff)
				}
				if *c.Spec.MachineConfig.CustomPool.MaxUnavailable != 1 {
					t.Error("maxUnavailable not defaulted to 1")
				}
			},
		},
		"explicit false survives": {
			reason: "pointer booleans keep a user's false",
			in: func() *SupremeRAID {
				c := minimal()
				c.Spec.NVIDIA.ClusterPolicy = ptr.To(false)
				c.Spec.Kernel.IOMMU = ptr.To("")
				return c
			},
			check: func(t *testing.T, c *SupremeRAID) {
				if *c.Spec.NVIDIA.ClusterPolicy || *c.Spec.Kernel.IOMMU != "" {
					t.Errorf("defaults overwrote explicit values: %v %q", *c.Spec.NVIDIA.ClusterPolicy, *c.Spec.Kernel.IOMMU)
				}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := tc.in()
			c.Default()
			tc.check(t, c)
			again := c.DeepCopyForTest()
			again.Default()
			if diff := cmp.Diff(c, again); diff != "" {
				t.Errorf("%s\nDefault is not idempotent:\n%s", tc.reason, diff)
			}
		})
	}
}
