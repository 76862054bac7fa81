package nodelayout

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func validLayout(t *testing.T) *Layout {
	t.Helper()
	b, err := os.ReadFile("testdata/layout-valid.json")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ParseLayout(b)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestParseLayout(t *testing.T) {
	cases := map[string]struct {
		reason  string
		in      string
		wantErr string
	}{
		"unknown field": {
			reason:  "a typo must not silently drop a setting",
			in:      `{"license":{"keyFile":"/k"},"driveGroups":[{"raidLvl":"raid5"}]}`,
			wantErr: `unknown field "raidLvl"`,
		},
		"trailing": {
			reason:  "two documents in one ConfigMap key are a mistake",
			in:      `{"license":{"keyFile":"/k"}} {}`,
			wantErr: "trailing data",
		},
		"not json": {
			reason:  "YAML is not accepted; the generator writes JSON",
			in:      "license:\n  keyFile: /k\n",
			wantErr: "parsing layout",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseLayout([]byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s\nerr = %v, want %q", tc.reason, err, tc.wantErr)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(l *Layout)
		// want holds one regexp per expected error; all must match and no
		// other error may appear.
		want []string
	}{
		"valid": {
			reason: "the testdata layout is valid",
			mutate: func(*Layout) {},
		},
		"everything wrong at once": {
			reason: "validation reports every problem, each with its field path",
			mutate: func(l *Layout) {
				l.License.KeyFile = ""
				g := &l.DriveGroups[0]
				g.RAIDLevel = "raid6"
				g.PhysicalDrives = g.PhysicalDrives[:3]
				g.PhysicalDrives[1].Device = "/dev/sda"
				g.VirtualDrives[0].Size = "100%"
				g.VirtualDrives[1].Filesystem = "btrfs"
				g.VirtualDrives[1].MountOptions = []string{"noatime,nodev", "bind"}
				l.Tenants[0].UID = 0
			},
			want: []string{
				`^license\.keyFile: required`,
				`^driveGroups\[0\]\.physicalDrives: raid6 needs at least 4 drives, got 3$`,
				`^driveGroups\[0\]\.physicalDrives\[1\]\.device: must be a /dev/disk/by-id/ or /dev/disk/by-path/ link to an NVMe namespace, wwid:<WWID>, serial:<serial> or an NVMe namespace path like /dev/nvme0n1, got "/dev/sda"$`,
				`^driveGroups\[0\]\.virtualDrives\[0\]\.size: "100%" .* only allowed on the last`,
				`^driveGroups\[0\]\.virtualDrives\[1\]\.filesystem: must be xfs or ext4, got "btrfs"$`,
				`^driveGroups\[0\]\.virtualDrives\[1\]\.mountOptions\[0\]: "noatime,nodev" is not a single mount option`,
				`^driveGroups\[0\]\.virtualDrives\[1\]\.mountOptions\[1\]: "bind" is not allowed`,
				`^tenants\[0\]\.uid: must be between 1 and 2147483647`,
			},
		},
		"stable links": {
			reason: "/dev/disk/by-id and by-path links name an SSD whatever order the controllers enumerate in",
			mutate: func(l *Layout) {
				l.DriveGroups[0].PhysicalDrives[0].Device = "/dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_S64HNE0T100001"
				l.DriveGroups[0].PhysicalDrives[1].Device = "/dev/disk/by-path/pci-0000:41:00.0-nvme-1"
			},
		},
		"links outside /dev/disk": {
			reason: "only the udev link directories are accepted, no other paths and no traversal",
			mutate: func(l *Layout) {
				l.DriveGroups[0].PhysicalDrives[0].Device = "/dev/disk/by-label/data"
				l.DriveGroups[0].PhysicalDrives[1].Device = "/dev/disk/by-id/../../sda"
				l.DriveGroups[0].PhysicalDrives[2].Device = "/dev/disk/by-id/.."
			},
			want: []string{
				`^driveGroups\[0\]\.physicalDrives\[0\]\.device: must be a /dev/disk/by-id/ or /dev/disk/by-path/ link .* got "/dev/disk/by-label/data"$`,
				`^driveGroups\[0\]\.physicalDrives\[1\]\.device: must be a /dev/disk/by-id/ or /dev/disk/by-path/ link .* got "/dev/disk/by-id/\.\./\.\./sda"$`,
				`^driveGroups\[0\]\.physicalDrives\[2\]\.device: must be a /dev/disk/by-id/ or /dev/disk/by-path/ link .* got "/dev/disk/by-id/\.\."$`,
			},
		},
		"duplicate drive across groups": {
			reason: "one SSD cannot be in two groups",
			mutate: func(l *Layout) {
				l.DriveGroups = append(l.DriveGroups, DriveGroup{
					RAIDLevel:      "raid1",
					PhysicalDrives: []PhysicalDrive{{Device: "/dev/nvme3n1"}, {Device: "/dev/nvme9n1"}},
					VirtualDrives:  []VirtualDrive{{Size: "100%", Filesystem: "xfs", MountPath: "/var/mnt/other"}},
				})
			},
			want: []string{`^driveGroups\[1\]\.physicalDrives\[0\]\.device: /dev/nvme3n1 is already used at driveGroups\[0\]\.physicalDrives\[3\]\.device$`},
		},
		"mount paths": {
			reason: "mount paths must be clean, absolute, not system paths, and not nested",
			mutate: func(l *Layout) {
				v := l.DriveGroups[0].VirtualDrives
				v[0].MountPath = "/var/mnt/supremeraid/vd0/inner"
				l.DriveGroups[0].VirtualDrives = append(v,
					VirtualDrive{Size: "1Gi", Filesystem: "xfs", MountPath: "/var/mnt/../etc"},
					VirtualDrive{Size: "1Gi", Filesystem: "xfs", MountPath: "/etc/x"},
					VirtualDrive{Size: "1Gi", Filesystem: "xfs", MountPath: "relative"},
				)
				l.DriveGroups[0].VirtualDrives[1].Size = "1Gi"
			},
			want: []string{
				`^driveGroups\[0\]\.virtualDrives\[1\]\.mountPath: /var/mnt/supremeraid/vd0 nests with /var/mnt/supremeraid/vd0/inner`,
				`^driveGroups\[0\]\.virtualDrives\[2\]\.mountPath: must be a clean path`,
				`^driveGroups\[0\]\.virtualDrives\[3\]\.mountPath: must not be under /etc`,
				`^driveGroups\[0\]\.virtualDrives\[4\]\.mountPath: must be an absolute path`,
			},
		},
		"sizes": {
			reason: "only whole binary quantities or 100% are accepted",
			mutate: func(l *Layout) {
				l.DriveGroups[0].VirtualDrives[0].Size = "500G"
			},
			want: []string{`^driveGroups\[0\]\.virtualDrives\[0\]\.size: must be a whole binary quantity .* got "500G"$`},
		},
		"tenants": {
			reason: "tenant directories need a valid namespace and one of the layout's mount paths",
			mutate: func(l *Layout) {
				l.Tenants = append(l.Tenants,
					TenantDir{Namespace: "Bad_NS", UID: 1, GID: 1, MountPath: "/var/mnt/supremeraid/vd0"},
					TenantDir{Namespace: "project2", UID: 1, GID: 0, MountPath: "/var/mnt/elsewhere"},
					TenantDir{Namespace: "project1", UID: 5, GID: 5, MountPath: "/var/mnt/supremeraid/vd0"},
				)
			},
			want: []string{
				`^tenants\[1\]\.namespace: must be a Kubernetes namespace name`,
				`^tenants\[2\]\.gid: must be between 1`,
				`^tenants\[2\]\.mountPath: must be the mountPath of a virtual drive`,
				`^tenants\[3\]: directory /var/mnt/supremeraid/vd0/project1 is already declared at tenants\[0\]$`,
			},
		},
		"empty": {
			reason: "a layout without drive groups does nothing and is an error",
			mutate: func(l *Layout) { l.DriveGroups = nil; l.Tenants = nil },
			want:   []string{`^driveGroups: at least one drive group is required$`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			l := validLayout(t)
			tc.mutate(l)
			err := l.Validate()
			var got []string
			if err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if len(got) != len(tc.want) {
				t.Fatalf("%s\ngot %d errors, want %d:\n%s", tc.reason, len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, re := range tc.want {
				if !regexp.MustCompile(re).MatchString(got[i]) {
					t.Errorf("%s\nerror %d = %q\nwant match %q", tc.reason, i, got[i], re)
				}
			}
		})
	}
}

func TestGraidctlSize(t *testing.T) {
	cases := map[string]struct {
		reason string
		size   string
		want   string
	}{
		"rest": {reason: "100% means no size argument: the rest of the group", size: "100%", want: ""},
		"gi":   {reason: "Gi maps to graidctl's G suffix", size: "500Gi", want: "500G"},
		"ti":   {reason: "Ti maps to T, as in the public `create vd 0 2T` example", size: "2Ti", want: "2T"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := (VirtualDrive{Size: tc.size}).GraidctlSize(); got != tc.want {
				t.Errorf("%s: GraidctlSize(%q) = %q, want %q", tc.reason, tc.size, got, tc.want)
			}
		})
	}
}
