package config

import (
	"slices"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// identityDriveRe is a drive named by a stable identity the node agent resolves through sysfs at
// run time: the namespace's WWID (/sys/class/block/<ns>/wwid) or its controller's serial number.
var identityDriveRe = lazyRE(`^(wwid|serial):[!-~]+$`)

// validateRAIDIdentity refuses kernel names (/dev/nvmeXnY) in allowInitialize. Kernel names
// follow enumeration order: they differ between nodes of a pool and can change between boots,
// so on another node or after a reboot the same name can be another SSD, even the OS disk. The
// permission to destroy a drive's data must name the drive itself.
func validateRAIDIdentity(p *field.Path, r *RAID) field.ErrorList {
	var errs field.ErrorList
	for i := range r.DriveGroups {
		dg := &r.DriveGroups[i]
		for j, d := range dg.AllowInitialize {
			// A name outside the group is reported by validateDriveGroup already.
			if nvmeDeviceRe.MatchString(d) && slices.Contains(dg.PhysicalDrives, d) {
				errs = append(errs, field.Invalid(p.Child("driveGroups").Index(i).Child("allowInitialize").Index(j), d,
					"a kernel name can name another SSD (even the OS disk) on another node or after a reboot; "+
						"name the drive by a stable name: a /dev/disk/by-id/ link, wwid:<WWID> or serial:<serial>, "+
						"and list the same name in physicalDrives"))
			}
		}
	}
	return errs
}
