package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func TestValidateRAIDIdentity(t *testing.T) {
	cases := map[string]struct {
		reason string
		group  DriveGroup
		want   []string // field paths
	}{
		"kernel name": {
			reason: "allowInitialize by kernel name is refused: it can be the OS disk on another node",
			group:  DriveGroup{PhysicalDrives: []string{"/dev/nvme0n1", "/dev/nvme1n1"}, AllowInitialize: []string{"/dev/nvme1n1"}},
			want:   []string{"spec.raid.driveGroups[0].allowInitialize[0]"},
		},
		"stable names": {
			reason: "by-id links, wwid: and serial: names are accepted",
			group: DriveGroup{PhysicalDrives: []string{"/dev/disk/by-id/nvme-A", "wwid:eui.0025", "serial:S64H"},
				AllowInitialize: []string{"/dev/disk/by-id/nvme-A", "wwid:eui.0025", "serial:S64H"}},
		},
		"not in group": {
			reason: "a name outside the group is validateDriveGroup's error, not reported twice",
			group:  DriveGroup{PhysicalDrives: []string{"/dev/nvme0n1"}, AllowInitialize: []string{"/dev/nvme9n1"}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			errs := validateRAIDIdentity(field.NewPath("spec", "raid"), &RAID{DriveGroups: []DriveGroup{tc.group}})
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
				assert.Contains(t, e.Detail, "stable name", tc.reason)
			}
			assert.Equal(t, tc.want, got, tc.reason)
		})
	}
}
