package node_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"supremeraid.dev/supremeraid-fn/generators/node"
	"supremeraid.dev/supremeraid-fn/generators/nodelayout"
)

func TestLayout(t *testing.T) {
	cases := map[string]struct {
		reason string
		edit   func(doc map[string]any)
		want   *nodelayout.Layout                       // whole layout, or
		check  func(t *testing.T, l *nodelayout.Layout) // a part of it
	}{
		"base": {
			reason: "drive order, allowInitialize per drive, defaults (100%, xfs), tenants under workloads.mountPath with runAsUser:runAsGroup",
			want: &nodelayout.Layout{
				License: nodelayout.License{KeyFile: "/etc/supremeraid/license/license"},
				DriveGroups: []nodelayout.DriveGroup{{
					RAIDLevel: "raid5",
					PhysicalDrives: []nodelayout.PhysicalDrive{
						{Device: "/dev/nvme0n1"},
						{Device: "/dev/nvme1n1"},
						{Device: "/dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_S64HNE0T100003", AllowInitialize: true},
					},
					VirtualDrives: []nodelayout.VirtualDrive{
						{Size: "2Ti", Filesystem: "ext4", MountPath: "/var/mnt/supremeraid/scratch"},
						// The workload volume gets the container SELinux context (tenant pods are confined).
						{Size: "100%", Filesystem: "xfs", MountPath: "/var/mnt/supremeraid/vd0", MountOptions: []string{"noatime", node.SELinuxContext}},
					},
				}},
				Tenants: []nodelayout.TenantDir{
					{Namespace: "project1", UID: 10000, GID: 10000, MountPath: "/var/mnt/supremeraid/vd0"},
					{Namespace: "project2", UID: 10001, GID: 10000, MountPath: "/var/mnt/supremeraid/vd0"},
				},
			},
		},
		"no workloads": {
			reason: "without tenant namespaces the layout has no tenant directories and no SELinux context is added",
			edit:   func(doc map[string]any) { delete(at(doc, "spec"), "workloads") },
			want: &nodelayout.Layout{
				License: nodelayout.License{KeyFile: node.LicenseFile},
				DriveGroups: []nodelayout.DriveGroup{{
					RAIDLevel: "raid5",
					PhysicalDrives: []nodelayout.PhysicalDrive{
						{Device: "/dev/nvme0n1"},
						{Device: "/dev/nvme1n1"},
						{Device: "/dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_S64HNE0T100003", AllowInitialize: true},
					},
					VirtualDrives: []nodelayout.VirtualDrive{
						{Size: "2Ti", Filesystem: "ext4", MountPath: "/var/mnt/supremeraid/scratch"},
						{Size: "100%", Filesystem: "xfs", MountPath: "/var/mnt/supremeraid/vd0", MountOptions: []string{"noatime"}},
					},
				}},
			},
		},
		"user context kept": {
			reason: "a context option the user set wins; none is added next to it",
			edit: func(doc map[string]any) {
				at(doc, "spec", "raid", "driveGroups", 0, "virtualDrives", 1)["mountOptions"] = []any{"context=system_u:object_r:svirt_sandbox_file_t:s0"}
			},
			check: func(t *testing.T, l *nodelayout.Layout) {
				if got := l.DriveGroups[0].VirtualDrives[1].MountOptions; len(got) != 1 || got[0] != "context=system_u:object_r:svirt_sandbox_file_t:s0" {
					t.Errorf("mount options %v", got)
				}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := node.Layout(loadConfig(t, tc.edit))
			if tc.check != nil {
				tc.check(t, got)
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nlayout (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

// TestLayoutConfigMap checks the ConfigMap the agent reads: it parses strictly with the agent's
// own parser, validates, names the license file and never holds the license.
func TestLayoutConfigMap(t *testing.T) {
	cfg := loadConfig(t, nil)
	cm, err := node.LayoutConfigMap(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cm.Name != "graid-node-layout" || cm.Namespace != "supremeraid" {
		t.Errorf("ConfigMap %s/%s, want supremeraid/graid-node-layout", cm.Namespace, cm.Name)
	}
	if len(cm.Data) != 1 {
		t.Fatalf("data keys %v, want only %s", cm.Data, node.LayoutKey)
	}
	l, err := nodelayout.ParseLayout([]byte(cm.Data[node.LayoutKey]))
	if err != nil {
		t.Fatalf("the agent cannot parse the layout: %v\n%s", err, cm.Data[node.LayoutKey])
	}
	if err := l.Validate(); err != nil {
		t.Fatalf("the agent rejects the layout: %v", err)
	}
	if diff := cmp.Diff(node.Layout(cfg), l); diff != "" {
		t.Errorf("layout lost something in JSON (-generated +parsed):\n%s", diff)
	}
	if l.License.KeyFile != node.LicenseFile {
		t.Errorf("license.keyFile = %q, want the mounted Secret file %q", l.License.KeyFile, node.LicenseFile)
	}
	for _, leak := range []string{cfg.Spec.Driver.LicenseSecret, "licenseSecret"} {
		if strings.Contains(cm.Data[node.LayoutKey], leak) {
			t.Errorf("the layout mentions %q: it must only name the mounted key file", leak)
		}
	}
	again, err := node.LayoutConfigMap(loadConfig(t, nil))
	if err != nil || again.Data[node.LayoutKey] != cm.Data[node.LayoutKey] {
		t.Errorf("the layout JSON differs between two runs on the same config (err %v)", err)
	}
}

// TestValidate covers what a valid config may ask that the agent cannot do (sizes and device
// paths are already config errors): the error carries the spec path, and no agent path leaks.
func TestValidate(t *testing.T) {
	vd := func(i int) func(doc map[string]any) map[string]any {
		return func(doc map[string]any) map[string]any {
			return at(doc, "spec", "raid", "driveGroups", 0, "virtualDrives", i)
		}
	}
	cases := map[string]struct {
		reason string
		edit   func(doc map[string]any)
		want   []string // "path: substring", in order
	}{
		"valid": {
			reason: "the base config needs nothing the agent lacks",
		},
		"mount option the agent forbids": {
			reason: "bind would mount something else than the virtual drive",
			edit:   func(doc map[string]any) { vd(1)(doc)["mountOptions"] = []any{"noatime", "bind"} },
			want:   []string{`spec.raid.driveGroups[0].virtualDrives[1].mountOptions[1]: Invalid value: "bind" is not allowed`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			errs := node.Validate(loadConfig(t, tc.edit))
			if len(errs) != len(tc.want) {
				t.Fatalf("%s\ngot %d errors, want %d:\n%v", tc.reason, len(errs), len(tc.want), errs.ToAggregate())
			}
			for i, want := range tc.want {
				if got := errs[i].Error(); !strings.HasPrefix(got, want) {
					t.Errorf("%s\nerror %d:\n got %s\nwant prefix %s", tc.reason, i, got, want)
				}
			}
			if len(tc.want) > 0 {
				if _, err := node.LayoutConfigMap(loadConfig(t, tc.edit)); err == nil || !strings.Contains(err.Error(), "spec.raid") {
					t.Errorf("%s\nLayoutConfigMap must fail with the spec path, got %v", tc.reason, err)
				}
			}
		})
	}
}
