package metrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
)

// Inventory is one snapshot of the node as graidctl, the drives and the mount table show it.
type Inventory struct {
	Controllers    []Controller
	PhysicalDrives []PhysicalDrive
	DriveGroups    []DriveGroup
	VirtualDrives  []VirtualDrive
}

// Controller is one SupremeRAID controller.
type Controller struct {
	ID    int
	State string // raw graidctl state; ONLINE when licensed and running
}

// PhysicalDrive is one PD with the health its SSD reports.
type PhysicalDrive struct {
	ID     int
	DG     *int
	Wwid   string
	Device string // /dev/gpdN
	State  string // raw graidctl state
	Health *SmartLog
}

// DriveGroup is one drive group. Progress is the rebuild/resync percentage when graidctl
// reports one.
type DriveGroup struct {
	ID       int
	Mode     string
	State    string
	Progress *float64
}

// VirtualDrive is one VD, whether it is mounted, and its size and filesystem usage.
type VirtualDrive struct {
	DG, ID     int
	Device     string
	State      string
	SizeBytes  *float64
	MountPoint string // empty when not mounted
	FS         *FSUsage
}

// FSUsage is statfs(2) of a mounted virtual drive.
type FSUsage struct {
	SizeBytes, FreeBytes, AvailBytes float64
}

// Mount is one mount of the mount table: the device and where it is mounted, as the agent's
// mount namespace sees it.
type Mount struct {
	Source     string
	MountPoint string
}

// graidctl JSON members: "Result", "ControllerId", "State", "PdId", "DgId", "VdId" appear in
// public scripts; "DevicePath", "Wwid", "Mode" and "Progress" are not confirmed by anything
// public (fn/agent/graidctl documents the same), so they are optional here.
type cxJSON struct {
	ControllerID int    `json:"ControllerId"`
	State        string `json:"State"`
}

type pdJSON struct {
	PdID       int    `json:"PdId"`
	DgID       *int   `json:"DgId"`
	DevicePath string `json:"DevicePath"`
	Wwid       string `json:"Wwid"`
	State      string `json:"State"`
}

type dgJSON struct {
	DgID     int             `json:"DgId"`
	Mode     string          `json:"Mode"`
	State    string          `json:"State"`
	Progress json.RawMessage `json:"Progress"`
}

type vdJSON struct {
	DgID       int    `json:"DgId"`
	VdID       int    `json:"VdId"`
	DevicePath string `json:"DevicePath"`
	State      string `json:"State"`
}

// Sources are where the exporter reads the node from. Only Runner and GraidctlPath are
// required; without NVMePath no SMART log is read, without Mounts no VD counts as mounted.
type Sources struct {
	Runner       graidctl.Runner
	GraidctlPath string
	NVMePath     string
	DevRoot      string // prefix of /dev paths (tests)
	Mounts       func() ([]Mount, error)
}

// gatherErrors are the parts of a snapshot that could not be read, by source.
type gatherErrors map[string]error

// gather reads one Inventory. graidctl failing fails the whole snapshot (without it nothing is
// known); a drive's SMART log, the mount table or a statfs failing leaves that part out and is
// reported under its source.
func gather(ctx context.Context, src Sources) (*Inventory, gatherErrors, error) {
	errs := gatherErrors{}
	var cx []cxJSON
	var pds []pdJSON
	var dgs []dgJSON
	var vds []vdJSON
	for _, l := range []struct {
		kind string
		v    any
	}{{"cx", &cx}, {"pd", &pds}, {"dg", &dgs}, {"vd", &vds}} {
		if err := list(ctx, src, l.kind, l.v); err != nil {
			return nil, errs, err
		}
	}
	inv := &Inventory{}
	for _, c := range cx {
		inv.Controllers = append(inv.Controllers, Controller{ID: c.ControllerID, State: c.State})
	}
	for _, p := range pds {
		pd := PhysicalDrive{ID: p.PdID, Wwid: p.Wwid, State: p.State, Device: p.DevicePath}
		if p.DgID != nil && *p.DgID >= 0 {
			pd.DG = p.DgID
		}
		if pd.Device == "" {
			pd.Device = graidctl.PDDevicePath(p.PdID)
		}
		if src.NVMePath != "" {
			h, err := smartLog(ctx, src, pd.Device)
			if err != nil {
				errs["nvme"] = errors.Join(errs["nvme"], err)
			} else {
				pd.Health = &h
			}
		}
		inv.PhysicalDrives = append(inv.PhysicalDrives, pd)
	}
	for _, g := range dgs {
		dg := DriveGroup{ID: g.DgID, Mode: g.Mode, State: g.State}
		if p, ok := percent(g.Progress); ok {
			dg.Progress = &p
		}
		inv.DriveGroups = append(inv.DriveGroups, dg)
	}
	var mounts []Mount
	if src.Mounts != nil {
		var err error
		if mounts, err = src.Mounts(); err != nil {
			errs["mounts"] = err
		}
	}
	for _, v := range vds {
		vd := VirtualDrive{DG: v.DgID, ID: v.VdID, State: v.State, Device: v.DevicePath}
		if vd.Device == "" {
			vd.Device = graidctl.VDDevicePath(v.DgID, v.VdID)
		}
		dev := filepath.Join(src.DevRoot, vd.Device)
		if size, err := deviceSize(dev); err == nil {
			vd.SizeBytes = &size
		}
		for _, m := range mounts {
			if sameDevice(m.Source, dev) {
				vd.MountPoint = m.MountPoint
				break
			}
		}
		if vd.MountPoint != "" {
			var st syscall.Statfs_t
			if err := syscall.Statfs(vd.MountPoint, &st); err != nil {
				errs["statfs"] = errors.Join(errs["statfs"], fmt.Errorf("statfs %s: %w", vd.MountPoint, err))
			} else {
				bs := float64(st.Bsize)
				vd.FS = &FSUsage{SizeBytes: float64(st.Blocks) * bs, FreeBytes: float64(st.Bfree) * bs, AvailBytes: float64(st.Bavail) * bs}
			}
		}
		inv.VirtualDrives = append(inv.VirtualDrives, vd)
	}
	return inv, errs, nil
}

func list(ctx context.Context, src Sources, kind string, v any) error {
	args := []string{"ls", kind, "--format", "json"}
	stdout, stderr, err := src.Runner.Run(ctx, src.GraidctlPath, args)
	if err != nil {
		return fmt.Errorf("graidctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(stderr)))
	}
	if err := graidctl.DecodeResult(stdout, v); err != nil {
		return fmt.Errorf("graidctl ls %s: %w", kind, err)
	}
	return nil
}

func smartLog(ctx context.Context, src Sources, device string) (SmartLog, error) {
	args := []string{"smart-log", filepath.Join(src.DevRoot, device), "--output-format=json"}
	stdout, stderr, err := src.Runner.Run(ctx, src.NVMePath, args)
	if err != nil {
		return SmartLog{}, fmt.Errorf("nvme %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(stderr)))
	}
	l, err := ParseSmartLog(stdout)
	if err != nil {
		return SmartLog{}, fmt.Errorf("%s: %w", device, err)
	}
	return l, nil
}

// percent reads a progress value: a number, or a string such as "42%" or "42.5".
func percent(raw json.RawMessage) (float64, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, false
	}
	var f float64
	if json.Unmarshal(raw, &f) == nil {
		return f, true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	return f, err == nil
}

// deviceSize is the size of a block device (or, in tests, of the file standing in for one):
// seeking to the end works for both without reading anything.
func deviceSize(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n, err := f.Seek(0, io.SeekEnd)
	return float64(n), err
}

// sameDevice reports whether a mount source is the device: the same path, the same file after
// following links, or the same block device number.
func sameDevice(source, dev string) bool {
	if filepath.Clean(source) == filepath.Clean(dev) {
		return true
	}
	a, errA := filepath.EvalSymlinks(source)
	b, errB := filepath.EvalSymlinks(dev)
	if errA != nil || errB != nil {
		return false
	}
	if a == b {
		return true
	}
	var sa, sb syscall.Stat_t
	if syscall.Stat(a, &sa) != nil || syscall.Stat(b, &sb) != nil {
		return false
	}
	isBlock := func(s syscall.Stat_t) bool { return s.Mode&syscall.S_IFMT == syscall.S_IFBLK }
	return isBlock(sa) && isBlock(sb) && sa.Rdev == sb.Rdev
}
