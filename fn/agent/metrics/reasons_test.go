package metrics

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestReason files the agent's refusal sentences (formatted as fn/agent formats them) under the
// fixed reasons.
func TestReason(t *testing.T) {
	cases := map[string]struct {
		reason string
		msg    string
		want   string
	}{
		"layout":        {reason: "reconcile.go", msg: "invalid layout: driveGroups[0].raidLevel: unsupported", want: "layout_invalid"},
		"license":       {reason: "reconcile.go ensureLicense", msg: "license.keyFile: no SupremeRAID controller is ONLINE and the license key cannot be read from /etc/graid/license (file is empty); check the license Secret", want: "license"},
		"same SSD":      {reason: "plan.go duplicate WWID", msg: "driveGroups[0].physicalDrives[1]: /dev/nvme1n1 is the same SSD (WWID eui.1) as /dev/nvme0n1; each drive may appear once in the layout", want: "drive_identity"},
		"no WWID":       {reason: "plan.go unreadable WWID", msg: "driveGroups[0].physicalDrives[0]: cannot read the WWID of /dev/nvme0n1 (EIO); refusing to use a drive that cannot be identified", want: "drive_identity"},
		"link":          {reason: "reconcile.go resolveDrive", msg: "driveGroups[0].physicalDrives[0]: cannot read the WWID of /dev/disk/by-id/x (/dev/disk/by-id/x links to /dev/sda, which is not an NVMe namespace /dev/nvmeXnY); refusing", want: "drive_identity"},
		"gone":          {reason: "plan.go drive absent, WWID known", msg: "driveGroups[0].physicalDrives[2]: /dev/nvme2n1 is not present and no SupremeRAID physical drive has its recorded WWID eui.2; check that the SSD is installed and graid is running", want: "drive_missing"},
		"never seen":    {reason: "plan.go drive absent, never recorded", msg: "driveGroups[0].physicalDrives[2]: device /dev/nvme2n1 not found and no SupremeRAID physical drive is recorded for it; check the device path and that the SSD is installed", want: "drive_missing"},
		"probe failed":  {reason: "plan.go blkid failed", msg: "driveGroups[0].physicalDrives[0]: cannot check /dev/nvme0n1 for existing data (exit status 4); refusing to initialise it", want: "drive_has_data"},
		"holds data":    {reason: "plan.go signature found", msg: "driveGroups[0].physicalDrives[0]: /dev/nvme0n1 holds xfs (UUID x); refusing to make it a SupremeRAID physical drive because its data would be destroyed. If that data may go, set allowInitialize: true for this drive", want: "drive_has_data"},
		"split group":   {reason: "plan.go", msg: "driveGroups[0]: its drives belong to different drive groups [0 1]; the layout wants one raid5 group of exactly these drives", want: "drive_group_mismatch"},
		"other members": {reason: "plan.go", msg: "driveGroups[0]: drive group 0 holds physical drives [0 1 2] but the layout's drives are physical drives [0 1]; the agent never changes an existing drive group", want: "drive_group_mismatch"},
		"level unknown": {reason: "plan.go", msg: "driveGroups[0]: graidctl does not report the RAID level of drive group 0, so it cannot be verified to be raid5", want: "drive_group_mismatch"},
		"level differs": {reason: "plan.go", msg: "driveGroups[0]: drive group 0 is RAID1 but the layout asks for raid5; the agent never changes an existing drive group", want: "drive_group_mismatch"},
		"extra VDs":     {reason: "plan.go", msg: "driveGroups[0]: drive group 0 has 3 virtual drives but the layout declares 1; the agent never deletes, so remove the extra ones by hand or add them to the layout", want: "virtual_drive_mismatch"},
		"mount taken":   {reason: "volumes.go", msg: "driveGroups[0].virtualDrives[0]: /host/var/mnt/a is already a mount point of /dev/sdb1, not of /dev/gdg0n1; refusing to mount over it", want: "mount_conflict"},
		"wrong fstype":  {reason: "volumes.go", msg: "driveGroups[0].virtualDrives[0]: /host/var/mnt/a is mounted with ext4 but the layout says xfs", want: "mount_conflict"},
		"volume data":   {reason: "volumes.go", msg: "driveGroups[0].virtualDrives[0]: virtual drive 0/0 (/dev/gdg0n1) holds ext4, not a blank device or a xfs filesystem; refusing to format or mount it", want: "volume_has_data"},
		"not empty":     {reason: "volumes.go", msg: "driveGroups[0].virtualDrives[0]: mount point /host/var/mnt/a is not empty; refusing to hide its files under the virtual drive (move them away first)", want: "mount_conflict"},
		"tenant":        {reason: "tenants.go", msg: "tenants[0]: /host/var/mnt/a/p1 exists but is not a directory (L); refusing to use it", want: "tenant_directory"},
		"unknown":       {reason: "a sentence no pattern knows", msg: "something else went wrong", want: "other"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Reason(tc.msg)
			assert.Equal(t, tc.want, got, tc.reason)
			assert.Contains(t, Reasons, got)
		})
	}
}
