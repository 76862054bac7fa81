package agent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
)

// ensureVolume gives a virtual drive its filesystem (only if the device is
// blank) and mounts it at HostRoot+mountPath. It reports whether the mount
// is verified in the mount table.
func ensureVolume(ctx context.Context, d Deps, where string, v VirtualDrive, gv graidctl.VirtualDrive, st *Status) (bool, error) {
	dev := d.dev(gv.Device())
	target := d.target(v.MountPath)
	if _, err := os.Stat(dev); err != nil {
		return false, fmt.Errorf("device %s of virtual drive %d/%d is not present yet: %w", gv.Device(), gv.DgID, gv.VdID, err)
	}
	mounts, err := ReadMountInfo(d.MountInfo)
	if err != nil {
		return false, err
	}
	if e, ok := FindMount(mounts, target); ok {
		if !sameDevice(e.Source, dev) {
			st.refuse(fmt.Sprintf("%s: %s is already a mount point of %s, not of %s; refusing to mount over it", where, target, e.Source, gv.Device()))
			return false, nil
		}
		if e.FSType != v.Filesystem {
			st.refuse(fmt.Sprintf("%s: %s is mounted with %s but the layout says %s", where, target, e.FSType, v.Filesystem))
			return false, nil
		}
		return true, nil // already mounted, e.g. by this agent before a restart
	}

	sig, err := d.Prober.Probe(ctx, dev)
	if err != nil {
		return false, err
	}
	switch {
	case sig.Empty():
		// Re-probed just above: only a device with no signature at all is formatted.
		if err := d.Format.Mkfs(ctx, v.Filesystem, dev); err != nil {
			return false, err
		}
		st.Changes = append(st.Changes, fmt.Sprintf("made %s on %s", v.Filesystem, gv.Device()))
	case sig.Type == v.Filesystem && sig.PTType == "":
		d.Log.Info("keeping existing filesystem", "device", gv.Device(), "type", sig.Type, "uuid", sig.UUID)
	default:
		st.refuse(fmt.Sprintf("%s: virtual drive %d/%d (%s) holds %s, not a blank device or a %s filesystem; refusing to format or mount it",
			where, gv.DgID, gv.VdID, gv.Device(), sig, v.Filesystem))
		return false, nil
	}

	if err := os.MkdirAll(target, 0o755); err != nil {
		return false, fmt.Errorf("creating mount point: %w", err)
	}
	if empty, err := isEmptyDir(target); err != nil {
		return false, fmt.Errorf("checking mount point: %w", err)
	} else if !empty {
		st.refuse(fmt.Sprintf("%s: mount point %s is not empty; refusing to hide its files under the virtual drive (move them away first)", where, target))
		return false, nil
	}
	if err := d.Mount.Mount(ctx, dev, target, v.Filesystem, v.MountOptions); err != nil {
		return false, err
	}
	st.Changes = append(st.Changes, fmt.Sprintf("mounted %s at %s", gv.Device(), target))
	mounts, err = ReadMountInfo(d.MountInfo)
	if err != nil {
		return false, err
	}
	if e, ok := FindMount(mounts, target); !ok || !sameDevice(e.Source, dev) {
		return false, fmt.Errorf("mounted %s at %s but the mount table does not show it", gv.Device(), target)
	}
	return true, nil
}

// sameDevice compares a mount source with a device path, following
// symlinks and, for block devices, comparing device numbers.
func sameDevice(source, dev string) bool {
	if source == dev {
		return true
	}
	a, errA := filepath.EvalSymlinks(source)
	b, errB := filepath.EvalSymlinks(dev)
	if errA == nil && errB == nil && a == b {
		return true
	}
	var sa, sb syscall.Stat_t
	if syscall.Stat(source, &sa) != nil || syscall.Stat(dev, &sb) != nil {
		return false
	}
	isBlock := func(s syscall.Stat_t) bool { return s.Mode&syscall.S_IFMT == syscall.S_IFBLK }
	return isBlock(sa) && isBlock(sb) && sa.Rdev == sb.Rdev
}
