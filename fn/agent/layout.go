// Package agent is the SupremeRAID node agent: it turns a Layout (the node DaemonSet's
// ConfigMap) into physical drives, drive groups, virtual drives, filesystems, mounts and tenant
// directories on one node. It only ever creates; it never deletes a RAID object, never creates
// over anything its host record says is its own, and never formats a device that holds a
// signature or that it did not create.
package agent

import "supremeraid.dev/supremeraid-fn/generators/nodelayout"

// The layout is the generator's contract (package nodelayout); these names keep the agent's code
// short.
type (
	Layout        = nodelayout.Layout
	License       = nodelayout.License
	DriveGroup    = nodelayout.DriveGroup
	PhysicalDrive = nodelayout.PhysicalDrive
	VirtualDrive  = nodelayout.VirtualDrive
	TenantDir     = nodelayout.TenantDir
)

// ParseLayout decodes a layout strictly (see nodelayout.ParseLayout).
func ParseLayout(data []byte) (*Layout, error) { return nodelayout.ParseLayout(data) }

func isKernelName(device string) bool   { return nodelayout.IsKernelName(device) }
func isIdentityName(device string) bool { return nodelayout.IsIdentityName(device) }
