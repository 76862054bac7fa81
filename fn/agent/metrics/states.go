package metrics

import "strings"

// graidctl reports states as upper-case words. Public graid scripts confirm only ONLINE
// (controller), OPTIMAL and RECOVERY (drive group); the other names follow the usual RAID
// controller vocabulary and Graid's release notes (FAILED, INACTIVE drive groups). Each raw state
// maps to one value of a fixed set, so a label never carries a free-form string: anything
// unknown becomes "other", which the alerts treat as unhealthy.

// Physical drive states (the `state` label of supremeraid_physical_drive_state).
var PhysicalDriveStates = []string{"online", "unconfigured_good", "rebuild", "failed", "missing", "offline", "unconfigured_bad", "other"}

// Drive group and virtual drive states (the `state` label of supremeraid_drive_group_state and
// supremeraid_virtual_drive_state).
var GroupStates = []string{"optimal", "init", "resync", "recovery", "partially_degraded", "degraded", "inactive", "failed", "offline", "other"}

var pdStateOf = map[string]string{
	"ONLINE":            "online",
	"UNCONFIGURED_GOOD": "unconfigured_good",
	"UNCONFIGURED":      "unconfigured_good",
	"REBUILD":           "rebuild",
	"REBUILDING":        "rebuild",
	"FAILED":            "failed",
	"MISSING":           "missing",
	"OFFLINE":           "offline",
	"UNCONFIGURED_BAD":  "unconfigured_bad",
}

var groupStateOf = map[string]string{
	"OPTIMAL":            "optimal",
	"INIT":               "init",
	"INITIALIZING":       "init",
	"RESYNC":             "resync",
	"RESYNCING":          "resync",
	"RECOVERY":           "recovery",
	"REBUILD":            "recovery",
	"REBUILDING":         "recovery",
	"PARTIALLY_DEGRADED": "partially_degraded",
	"DEGRADED":           "degraded",
	"INACTIVE":           "inactive",
	"FAILED":             "failed",
	"OFFLINE":            "offline",
}

// normalise turns "Partially Degraded!" into PARTIALLY_DEGRADED. Graid marks an assume-clean
// drive group with a trailing "!"; the state itself is what matters here.
func normalise(raw string) string {
	s := strings.ToUpper(strings.TrimSpace(raw))
	s = strings.TrimRight(s, "! ")
	return strings.NewReplacer(" ", "_", "-", "_").Replace(s)
}

// PhysicalDriveState maps a graidctl PD state to PhysicalDriveStates.
func PhysicalDriveState(raw string) string {
	if v, ok := pdStateOf[normalise(raw)]; ok {
		return v
	}
	return "other"
}

// GroupState maps a graidctl drive group or virtual drive state to GroupStates.
func GroupState(raw string) string {
	if v, ok := groupStateOf[normalise(raw)]; ok {
		return v
	}
	return "other"
}
