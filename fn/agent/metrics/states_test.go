package metrics

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStates(t *testing.T) {
	cases := map[string]struct {
		reason string
		raw    string
		pd, dg string
	}{
		"online":       {reason: "the healthy PD state", raw: "ONLINE", pd: "online", dg: "other"},
		"optimal":      {reason: "the healthy DG state", raw: "OPTIMAL", pd: "other", dg: "optimal"},
		"recovery":     {reason: "public scripts show RECOVERY for a rebuilding DG", raw: "RECOVERY", pd: "other", dg: "recovery"},
		"assume clean": {reason: "graid appends ! to an assume-clean DG's state", raw: "OPTIMAL!", pd: "other", dg: "optimal"},
		"spaces":       {reason: "table spelling with a space", raw: "Partially Degraded", pd: "other", dg: "partially_degraded"},
		"failed":       {reason: "both kinds can fail", raw: "FAILED", pd: "failed", dg: "failed"},
		"missing":      {reason: "a pulled SSD", raw: "MISSING", pd: "missing", dg: "other"},
		"rebuild":      {reason: "PD being rebuilt; a DG may say REBUILD too", raw: "REBUILD", pd: "rebuild", dg: "recovery"},
		"free text":    {reason: "never a free-form label value", raw: "something new", pd: "other", dg: "other"},
		"empty":        {reason: "a missing state member", raw: "", pd: "other", dg: "other"},
		"unconfigured": {reason: "a PD in no drive group", raw: "UNCONFIGURED_GOOD", pd: "unconfigured_good", dg: "other"},
		"lower case":   {reason: "case does not matter", raw: "degraded", pd: "other", dg: "degraded"},
		"inactive":     {reason: "Graid's release notes name INACTIVE drive groups", raw: "INACTIVE", pd: "other", dg: "inactive"},
		"offline":      {reason: "both kinds can be offline", raw: "OFFLINE", pd: "offline", dg: "offline"},
		"resync":       {reason: "a resync after an unclean stop", raw: "RESYNC", pd: "other", dg: "resync"},
		"initialising": {reason: "background initialisation", raw: "INIT", pd: "other", dg: "init"},
		"hyphenated":   {reason: "hyphens read as underscores", raw: "unconfigured-bad", pd: "unconfigured_bad", dg: "other"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			assert.Equal(t, tc.pd, PhysicalDriveState(tc.raw), tc.reason)
			assert.Equal(t, tc.dg, GroupState(tc.raw), tc.reason)
			assert.Contains(t, PhysicalDriveStates, PhysicalDriveState(tc.raw))
			assert.Contains(t, GroupStates, GroupState(tc.raw))
		})
	}
}
