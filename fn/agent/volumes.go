package agent

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
)

// vdAppearTimeout bounds the wait for a new VD's device node: graid creates it asynchronously.
var vdAppearTimeout = 30 * time.Second

// ensureVolume serves one recorded virtual drive of ours: it makes the filesystem only when this
// agent created the VD, recorded a filesystem UUID for it before mkfs, and the device carries no
// signature; it mounts only a filesystem whose UUID is the recorded one. It reports whether the
// mount is verified in the mount table.
func ensureVolume(ctx context.Context, d Deps, rec *nodeRecord, where string, v VirtualDrive, rv *recVD, gv graidctl.VirtualDrive, st *Status) (bool, error) {
	dev := d.dev(gv.Device())
	target := d.target(v.MountPath)
	if err := waitForDevice(ctx, dev); err != nil {
		return false, fmt.Errorf("device %s of virtual drive %d/%d is not present yet: %w", gv.Device(), gv.DgID, gv.VdID, err)
	}
	if rv.Filesystem != v.Filesystem {
		st.refuse(fmt.Sprintf("%s: virtual drive %d/%d was made with %s but the layout now says %s; refusing to format or mount it", where, gv.DgID, gv.VdID, rv.Filesystem, v.Filesystem))
		return false, nil
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
		st.refuse(fmt.Sprintf("%s: cannot read virtual drive %d/%d (%s) to check its content (%v); refusing to format or mount it", where, gv.DgID, gv.VdID, gv.Device(), err))
		return false, nil
	}
	save := func() error { return rec.save(d.stateDir()) }
	switch {
	case rv.FSUUID != "" && sig.Type == v.Filesystem && sig.UUID == rv.FSUUID:
		if !rv.Formatted { // mkfs finished but the agent died before recording it
			rv.Formatted = true
			if err := save(); err != nil {
				return false, err
			}
		}
		d.Log.Info("keeping our filesystem", "device", gv.Device(), "type", sig.Type, "uuid", sig.UUID)
	case !rv.Formatted && sig.NoSignature():
		// A VD this agent created and recorded, with no signature anywhere: make the
		// filesystem with a UUID recorded first, so a crash after mkfs is recognised.
		if d.stopping() {
			return false, errStopping
		}
		if rv.FSUUID == "" {
			u, err := newUUID()
			if err != nil {
				return false, err
			}
			rv.FSUUID = u
			if err := save(); err != nil {
				return false, err
			}
		}
		if err := mkfsWithUUID(ctx, d, v.Filesystem, dev, rv.FSUUID); err != nil {
			return false, err
		}
		afterStep("mkfs")
		rv.Formatted = true
		if err := save(); err != nil {
			return false, err
		}
		st.Changes = append(st.Changes, fmt.Sprintf("made %s on %s", v.Filesystem, gv.Device()))
	case rv.Formatted:
		st.refuse(fmt.Sprintf("%s: virtual drive %d/%d (%s) should hold our %s filesystem UUID %s but holds %s (UUID %q); refusing to format or mount it: it may be another volume's data",
			where, gv.DgID, gv.VdID, gv.Device(), v.Filesystem, rv.FSUUID, sig, sig.UUID))
		return false, nil
	default:
		st.refuse(fmt.Sprintf("%s: virtual drive %d/%d (%s) holds %s, though this agent created it and never formatted it; refusing to format or mount it",
			where, gv.DgID, gv.VdID, gv.Device(), sig))
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
	if d.stopping() {
		return false, errStopping
	}
	if err := d.Mount.Mount(ctx, dev, target, v.Filesystem, v.MountOptions); err != nil {
		return false, err
	}
	afterStep("mount")
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

// waitForDevice polls for a device node that graid creates asynchronously.
func waitForDevice(ctx context.Context, dev string) error {
	deadline := time.Now().Add(vdAppearTimeout)
	for {
		_, err := os.Stat(dev)
		if err == nil || !errors.Is(err, fs.ErrNotExist) || !time.Now().Before(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// newUUID returns a random (version 4) UUID for mkfs.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("making a filesystem UUID: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}

// mkfsWithUUID makes the filesystem with the recorded UUID. A Formatter that can set the UUID
// (MkfsFormatter) does; any other is refused, as the UUID is how the agent knows its data.
func mkfsWithUUID(ctx context.Context, d Deps, fstype, dev, uuid string) error {
	f, ok := d.Format.(UUIDFormatter)
	if !ok {
		return fmt.Errorf("the formatter cannot set a filesystem UUID; refusing to format %s", dev)
	}
	return f.MkfsUUID(ctx, fstype, dev, uuid)
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
