// Package nodelayout is the contract between the generator and the node agent: the Layout the
// node DaemonSet's ConfigMap carries, its validation, and the SupremeRAID product limits, each
// with its source. generators/node writes it, fn/agent reads it; both import this package, and
// it imports the standard library only, so the generators never depend on the agent (or the
// agent on Kubernetes libraries) and the two can never disagree on a rule.
package nodelayout

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"
)

// Layout is what the node agent applies on every SupremeRAID node.
type Layout struct {
	License     License      `json:"license"`
	DriveGroups []DriveGroup `json:"driveGroups"`
	Tenants     []TenantDir  `json:"tenants,omitempty"`
}

// License says where the license key is mounted; the key itself is never
// part of the layout.
type License struct {
	// KeyFile is the path, inside the agent container, of the mounted
	// Secret key holding the license key.
	KeyFile string `json:"keyFile"`
}

// DriveGroup is one RAID group and the virtual drives carved from it.
type DriveGroup struct {
	RAIDLevel      string          `json:"raidLevel"`
	PhysicalDrives []PhysicalDrive `json:"physicalDrives"`
	VirtualDrives  []VirtualDrive  `json:"virtualDrives"`
}

// PhysicalDrive is an NVMe namespace that becomes a SupremeRAID PD.
type PhysicalDrive struct {
	// Device is a /dev/disk/by-id/ or /dev/disk/by-path/ link to an NVMe namespace, wwid:<WWID>
	// or serial:<controller serial> (resolved through sysfs at run time), or /dev/nvmeXnY. Stable
	// names keep naming the same SSD when NVMe controllers enumerate in another order.
	Device string `json:"device"`
	// AllowInitialize lets the agent turn this drive into a PD even though
	// it holds a partition table or filesystem signature (its data is lost).
	AllowInitialize bool `json:"allowInitialize,omitempty"`
}

// VirtualDrive is a RAID volume, its filesystem and where it is mounted.
type VirtualDrive struct {
	// Size is a binary quantity ("500Gi") or "100%" (the rest of the group).
	Size         string   `json:"size"`
	Filesystem   string   `json:"filesystem"`
	MountPath    string   `json:"mountPath"`
	MountOptions []string `json:"mountOptions,omitempty"`
}

// TenantDir is a per-namespace directory under a workload mount path,
// owned by the namespace's runAsUser:runAsGroup with mode 0770.
type TenantDir struct {
	Namespace string `json:"namespace"`
	UID       int64  `json:"uid"`
	GID       int64  `json:"gid"`
	MountPath string `json:"mountPath"`
	// SELinuxLevel, when set, is the tenant's MCS level (s0:cA,cB); the agent labels the
	// directory container_file_t with it.
	SELinuxLevel string `json:"seLinuxLevel,omitempty"`
}

// Product limits, per SupremeRAID controller. Sources: the SupremeRAID user guide's
// specifications ("RAID components": 32 physical drives, 8 drive groups, 32 drives per group,
// 1023 virtual drives per group) as quoted in this project's DESIGN notes.
const (
	MaxPhysicalDrives        = 32
	MaxDriveGroups           = 8
	MaxDrivesPerGroup        = 32
	MaxVirtualDrivesPerGroup = 1023
)

// MinDrives per RAID level: RAID 0 1, RAID 1 2, RAID 5 3, RAID 6 4, RAID 10 2, as a public
// SupremeRAID operations guide lists them next to figures it quotes from the SupremeRAID Linux
// User Guide v1.7.2 (the user guide itself is not public here). The generator once required 2
// for raid0 and 4 for raid10, the agent and its simulator 1 and 2; this table follows the
// published one.
var MinDrives = map[string]int{"raid0": 1, "raid1": 2, "raid5": 3, "raid6": 4, "raid10": 2}

// RequiresEvenDrives: raid10 stripes over mirrored pairs (the generator's rule; no published
// source says otherwise).
var RequiresEvenDrives = map[string]bool{"raid10": true}

// IsKernelName reports whether a drive is named by its kernel name (/dev/nvmeXnY), which
// follows enumeration order and can name another SSD after a reboot or on another node.
func IsKernelName(device string) bool { return nvmeDevice.MatchString(device) }

// IsIdentityName reports whether a drive is named wwid:<WWID> or serial:<serial>.
func IsIdentityName(device string) bool { return identityName.MatchString(device) }

var (
	// Stable drive names besides /dev paths: the namespace's WWID as sysfs shows it, or the
	// NVMe controller's serial number (the agent refuses it when several namespaces share it).
	identityName = regexp.MustCompile(`^(wwid|serial):[!-~]+$`)
	nvmeDevice   = regexp.MustCompile(`^/dev/nvme[0-9]+n[0-9]+$`)
	linkDevice   = regexp.MustCompile(`^/dev/disk/by-(id|path)/[A-Za-z0-9_:+@-][A-Za-z0-9._:+@-]*$`) // no "." or ".."
	binarySize   = regexp.MustCompile(`^([1-9][0-9]*)(Ki|Mi|Gi|Ti|Pi)$`)
	dnsLabel     = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	mountOption  = regexp.MustCompile(`^[A-Za-z0-9_.:/=+-]+$`)
	badMountOpts = map[string]bool{"bind": true, "rbind": true, "move": true, "remount": true, "loop": true}
)

// ParseLayout decodes a layout strictly: unknown fields are errors, so a
// typo cannot silently drop a setting.
func ParseLayout(data []byte) (*Layout, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var l Layout
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("parsing layout: %w", err)
	}
	if dec.More() {
		return nil, errors.New("parsing layout: trailing data after the JSON object")
	}
	return &l, nil
}

// FieldError is one validation problem at a field path.
type FieldError struct {
	Path string
	Msg  string
}

func (e FieldError) Error() string { return e.Path + ": " + e.Msg }

// Validate reports every problem at once, each with its field path.
func (l *Layout) Validate() error {
	var errs []error
	add := func(p, format string, args ...any) {
		errs = append(errs, FieldError{Path: p, Msg: fmt.Sprintf(format, args...)})
	}
	if l.License.KeyFile == "" {
		add("license.keyFile", "required: path of the mounted license Secret key")
	} else if !path.IsAbs(l.License.KeyFile) {
		add("license.keyFile", "must be an absolute path, got %q", l.License.KeyFile)
	}
	if len(l.DriveGroups) == 0 {
		add("driveGroups", "at least one drive group is required")
	}
	if len(l.DriveGroups) > MaxDriveGroups {
		add("driveGroups", "at most %d drive groups are supported, got %d", MaxDriveGroups, len(l.DriveGroups))
	}
	seenDrive := map[string]string{}
	mounts := map[string]string{}  // mountPath -> field path
	accepted := map[string]int{}   // mountPath -> position among the accepted mounts
	below := map[string][]string{} // directory -> accepted mounts inside it, in order
	total := 0
	for gi, g := range l.DriveGroups {
		gp := fmt.Sprintf("driveGroups[%d]", gi)
		min, ok := MinDrives[g.RAIDLevel]
		if !ok {
			add(gp+".raidLevel", "must be one of raid0, raid1, raid5, raid6, raid10, got %q", g.RAIDLevel)
		} else if len(g.PhysicalDrives) < min {
			add(gp+".physicalDrives", "%s needs at least %d drives, got %d", g.RAIDLevel, min, len(g.PhysicalDrives))
		} else if RequiresEvenDrives[g.RAIDLevel] && len(g.PhysicalDrives)%2 != 0 {
			add(gp+".physicalDrives", "%s needs an even number of drives, got %d", g.RAIDLevel, len(g.PhysicalDrives))
		}
		if len(g.PhysicalDrives) > MaxDrivesPerGroup {
			add(gp+".physicalDrives", "at most %d drives per group, got %d", MaxDrivesPerGroup, len(g.PhysicalDrives))
		}
		total += len(g.PhysicalDrives)
		for di, d := range g.PhysicalDrives {
			dp := fmt.Sprintf("%s.physicalDrives[%d].device", gp, di)
			if !nvmeDevice.MatchString(d.Device) && !linkDevice.MatchString(d.Device) && !identityName.MatchString(d.Device) {
				add(dp, "must be a /dev/disk/by-id/ or /dev/disk/by-path/ link to an NVMe namespace, wwid:<WWID>, serial:<serial> or an NVMe namespace path like /dev/nvme0n1, got %q", d.Device)
				continue
			}
			if d.AllowInitialize && nvmeDevice.MatchString(d.Device) {
				add(fmt.Sprintf("%s.physicalDrives[%d].allowInitialize", gp, di), "%s is a kernel name, which can name another SSD (even the OS disk) after a reboot or on another node; allow initialising a drive only by a stable name (/dev/disk/by-id/..., wwid:..., serial:...)", d.Device)
			}
			if prev, dup := seenDrive[d.Device]; dup {
				add(dp, "%s is already used at %s", d.Device, prev)
				continue
			}
			seenDrive[d.Device] = dp
		}
		if len(g.VirtualDrives) == 0 {
			add(gp+".virtualDrives", "at least one virtual drive is required")
		}
		if len(g.VirtualDrives) > MaxVirtualDrivesPerGroup {
			add(gp+".virtualDrives", "at most %d virtual drives per group, got %d", MaxVirtualDrivesPerGroup, len(g.VirtualDrives))
		}
		for vi, v := range g.VirtualDrives {
			vp := fmt.Sprintf("%s.virtualDrives[%d]", gp, vi)
			switch {
			case v.Size == "100%":
				if vi != len(g.VirtualDrives)-1 {
					add(vp+".size", `"100%%" (the rest of the group) is only allowed on the last virtual drive of a group`)
				}
			case binarySize.MatchString(v.Size):
			default:
				add(vp+".size", `must be a whole binary quantity (Ki, Mi, Gi, Ti, Pi, e.g. "500Gi") or "100%%", got %q`, v.Size)
			}
			if v.Filesystem != "xfs" && v.Filesystem != "ext4" {
				add(vp+".filesystem", "must be xfs or ext4, got %q", v.Filesystem)
			}
			if msg := checkMountPath(v.MountPath); msg != "" {
				add(vp+".mountPath", "%s", msg)
			} else if prev, dup := mounts[v.MountPath]; dup {
				add(vp+".mountPath", "%s is already used at %s", v.MountPath, prev)
			} else {
				// The accepted mounts v nests with: those above it (its parent directories) and
				// those inside it, reported in the order they were accepted. Looking them up
				// keeps validation linear; comparing every pair took seconds at the limit of
				// 8 x 1,023 virtual drives.
				nested := append([]string(nil), below[v.MountPath]...)
				for dir := path.Dir(v.MountPath); dir != "/"; dir = path.Dir(dir) {
					if _, ok := accepted[dir]; ok {
						nested = append(nested, dir)
					}
				}
				sort.Slice(nested, func(i, j int) bool { return accepted[nested[i]] < accepted[nested[j]] })
				for _, other := range nested {
					add(vp+".mountPath", "%s nests with %s (%s); mounts must not overlap", v.MountPath, other, mounts[other])
				}
				mounts[v.MountPath] = vp + ".mountPath"
				accepted[v.MountPath] = len(accepted)
				for dir := path.Dir(v.MountPath); dir != "/"; dir = path.Dir(dir) {
					below[dir] = append(below[dir], v.MountPath)
				}
			}
			for oi, o := range v.MountOptions {
				op := fmt.Sprintf("%s.mountOptions[%d]", vp, oi)
				name, _, _ := strings.Cut(o, "=")
				switch {
				case !mountOption.MatchString(o):
					add(op, "%q is not a single mount option (letters, digits and _.:/=+- only, no commas)", o)
				case badMountOpts[name]:
					add(op, "%q is not allowed: the agent mounts the virtual drive itself", o)
				}
			}
		}
	}
	if total > MaxPhysicalDrives {
		add("driveGroups", "at most %d physical drives in total, got %d", MaxPhysicalDrives, total)
	}
	seenTenant := map[string]string{}
	for ti, t := range l.Tenants {
		tp := fmt.Sprintf("tenants[%d]", ti)
		if !dnsLabel.MatchString(t.Namespace) {
			add(tp+".namespace", "must be a Kubernetes namespace name (DNS label), got %q", t.Namespace)
		}
		if t.UID < 1 || t.UID > 2147483647 {
			add(tp+".uid", "must be between 1 and 2147483647 (tenants never run as root), got %d", t.UID)
		}
		if t.GID < 1 || t.GID > 2147483647 {
			add(tp+".gid", "must be between 1 and 2147483647, got %d", t.GID)
		}
		if _, ok := mounts[t.MountPath]; !ok {
			add(tp+".mountPath", "must be the mountPath of a virtual drive in this layout, got %q", t.MountPath)
		}
		key := t.MountPath + "/" + t.Namespace
		if prev, dup := seenTenant[key]; dup {
			add(tp, "directory %s is already declared at %s", key, prev)
		}
		seenTenant[key] = tp
	}
	return errors.Join(errs...)
}

func checkMountPath(p string) string {
	switch {
	case p == "":
		return "required: absolute host path such as /var/mnt/supremeraid/vd0"
	case !path.IsAbs(p):
		return fmt.Sprintf("must be an absolute path, got %q", p)
	case path.Clean(p) != p:
		return fmt.Sprintf("must be a clean path (no '..', '.', '//' or trailing '/'), got %q", p)
	case p == "/":
		return "must not be /"
	}
	for _, reserved := range []string{"/proc", "/sys", "/dev", "/etc", "/boot", "/usr", "/bin", "/sbin", "/lib", "/lib64", "/run"} {
		if p == reserved || strings.HasPrefix(p, reserved+"/") {
			return fmt.Sprintf("must not be under %s, got %q", reserved, p)
		}
	}
	return ""
}

// GraidctlSize converts the layout size to the argument of
// `graidctl create vd <dg> [size]`: "" (rest of the group) for "100%",
// "500G" for "500Gi". graidctl's suffixes are read as binary units (the
// public examples use "2T"); this is not confirmed by public documentation.
func (v VirtualDrive) GraidctlSize() string {
	m := binarySize.FindStringSubmatch(v.Size)
	if m == nil {
		return ""
	}
	return m[1] + m[2][:1]
}
