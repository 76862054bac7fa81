// Package graidctl is a typed client for SupremeRAID's `graidctl` CLI.
//
// Where the JSON shapes come from (public material only; Graid's user guide
// shows the commands and tables but no `--format json` sample):
//
//   - `graidctl ls cx --format json` prints {"Result":[...]} whose entries carry
//     "ControllerId" and "State", "ONLINE" when the controller is usable
//     (graid-bench scripts: `jq '.Result[] | select(.State=="ONLINE") | .ControllerId'`,
//     and they tell the user to check the license when none is ONLINE).
//   - `graidctl ls vd --format json` entries carry "DgId" and "VdId"; `ls dg`
//     entries carry "DgId" and "State" ("OPTIMAL", "RECOVERY"); `ls pd` entries
//     carry "PdId" (Liam9652/graid-benchmarking-gui backend, which deletes
//     with `graidctl del vd <DgId> <VdId> --confirm-to-delete`).
//   - The JSON may follow a human status line ("✔ ..."), so the decoder skips
//     to the first '{' (same repository, parse_graidctl_json).
//   - `graidctl create vd 0` on a fresh drive group yields /dev/gdg0n1 while the
//     VD is addressed as `del vd 0 0`: the device's namespace number is VdId+1
//     (graid-bench bench.sh + graid-bench.conf VD_NAME="gdg0n1").
//
// Field names NOT confirmed by anything public, kept minimal and tolerant:
// a PD's "DgId" (absent or negative = not in a drive group), "DevicePath" and
// "Wwid" (the table shows an NQN/WWID column); a DG's "Mode" (RAID level);
// a VD's "DevicePath" and "Size". Unknown fields are ignored, missing ones
// decode to zero values, and callers treat "unknown" as "cannot verify".
package graidctl

import "fmt"

// Controller is one entry of `graidctl ls cx --format json`.
type Controller struct {
	ControllerID int    `json:"ControllerId"`
	State        string `json:"State"`
}

// ControllerOnline is the state public scripts test for a working, licensed controller.
const ControllerOnline = "ONLINE"

// PhysicalDrive is one entry of `graidctl ls pd --format json`.
type PhysicalDrive struct {
	PdID int `json:"PdId"`
	// DgID is nil (or negative) while the PD belongs to no drive group.
	DgID       *int   `json:"DgId,omitempty"`
	DevicePath string `json:"DevicePath,omitempty"`
	// Wwid identifies the SSD after its /dev/nvmeXnY node is gone.
	Wwid  string `json:"Wwid,omitempty"`
	State string `json:"State,omitempty"`
}

// InDriveGroup reports the drive group the PD belongs to, if any.
func (p PhysicalDrive) InDriveGroup() (int, bool) {
	if p.DgID == nil || *p.DgID < 0 {
		return 0, false
	}
	return *p.DgID, true
}

// DriveGroup is one entry of `graidctl ls dg --format json`.
type DriveGroup struct {
	DgID  int    `json:"DgId"`
	Mode  string `json:"Mode,omitempty"`
	State string `json:"State,omitempty"`
}

// VirtualDrive is one entry of `graidctl ls vd --format json`.
type VirtualDrive struct {
	DgID       int    `json:"DgId"`
	VdID       int    `json:"VdId"`
	DevicePath string `json:"DevicePath,omitempty"`
	Size       string `json:"Size,omitempty"`
	State      string `json:"State,omitempty"`
}

// Device is the block device of the VD: the reported path, or the
// documented naming (/dev/gdg<dg>n<vd+1>) when the JSON carries none.
func (v VirtualDrive) Device() string {
	if v.DevicePath != "" {
		return v.DevicePath
	}
	return VDDevicePath(v.DgID, v.VdID)
}

// VDDevicePath is the device node SupremeRAID creates for a virtual drive.
func VDDevicePath(dgID, vdID int) string {
	return fmt.Sprintf("/dev/gdg%dn%d", dgID, vdID+1)
}

// PDDevicePath is the device node SupremeRAID creates for a physical drive.
func PDDevicePath(pdID int) string {
	return fmt.Sprintf("/dev/gpd%d", pdID)
}
