package metrics

import "strings"

// Reasons the agent refuses to act (the `reason` label of supremeraid_agent_refusals). The
// agent reports refusals as sentences for humans; Reason files each one under a fixed name so
// the label set stays bounded. The sentence itself stays in the agent's log and /readyz.
var Reasons = []string{
	"layout_invalid",         // the layout ConfigMap does not validate
	"license",                // no controller ONLINE and no license key to apply
	"drive_identity",         // a drive's WWID cannot be read, or two paths are the same SSD
	"drive_missing",          // a configured drive is absent and no PD carries its WWID
	"drive_has_data",         // a drive holds a partition table or filesystem (or cannot be probed)
	"drive_group_mismatch",   // an existing drive group differs from the layout
	"virtual_drive_mismatch", // a drive group has more virtual drives than the layout declares
	"volume_has_data",        // a virtual drive holds something other than the layout's filesystem
	"mount_conflict",         // the mount point is taken, not empty, or mounted with another type
	"tenant_directory",       // a tenant path exists but is not a directory
	"other",                  // anything not matched above
}

// reasonPatterns are fragments of the agent's refusal sentences (fn/agent plan.go, reconcile.go,
// volumes.go, tenants.go), checked in order; the first match wins.
var reasonPatterns = []struct{ fragment, reason string }{
	{"invalid layout", "layout_invalid"},
	{"license", "license"},
	{"is the same SSD", "drive_identity"},
	{"cannot read the WWID", "drive_identity"},
	{"not an NVMe namespace", "drive_identity"},
	{"is not present and no SupremeRAID physical drive", "drive_missing"},
	{"not found and no SupremeRAID physical drive", "drive_missing"},
	{"for existing data", "drive_has_data"},
	{"refusing to make it a SupremeRAID physical drive", "drive_has_data"},
	{"virtual drives but the layout declares", "virtual_drive_mismatch"},
	{"belong to different drive groups", "drive_group_mismatch"},
	{"the agent never changes an existing drive group", "drive_group_mismatch"},
	{"does not report the RAID level", "drive_group_mismatch"},
	{"not a blank device", "volume_has_data"},
	{"already a mount point of", "mount_conflict"},
	{"is mounted with", "mount_conflict"},
	{"is not empty", "mount_conflict"},
	{"is not a directory", "tenant_directory"},
}

// Reason files one refusal sentence under one of Reasons.
func Reason(msg string) string {
	for _, p := range reasonPatterns {
		if strings.Contains(msg, p.fragment) {
			return p.reason
		}
	}
	return "other"
}
