package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

// Loop is the DaemonSet mode: reconcile, publish readiness, repeat every
// interval until ctx is cancelled (SIGTERM), then report not ready and
// unmount what the agent mounted. A command that has started is finished
// even if ctx is cancelled meanwhile, so mkfs or a graidctl create is
// never cut in half, but once ctx is cancelled the pass starts no new
// create, mkfs or mount (Deps.Stop); terminationGracePeriodSeconds must
// cover one command plus the unmount budget.
func Loop(ctx context.Context, l *Layout, d Deps, sink ReadySink, interval time.Duration) error {
	d = d.withDefaults()
	var ours []mountRef // mount points verified as ours, in layout order
	adopt := func(st Status) {
		for i, m := range st.Mounted {
			if !slices.ContainsFunc(ours, func(r mountRef) bool { return r.Target == m }) {
				ours = append(ours, mountRef{Target: m, Device: st.MountedDevices[i]})
			}
		}
	}
	// Mounts a previous agent made stay ours even when this agent's first pass fails (graid
	// not answering yet, say): without this a restart followed by a stop would leave them.
	adopt(adoptExisting(l, d))
	// Commands are never cut in half (WithoutCancel), but once ctx ends no new step starts.
	pass := d
	pass.Stop = ctx
	for {
		st := Run(context.WithoutCancel(ctx), l, pass)
		adopt(st)
		if ctx.Err() == nil {
			if err := sink.Set(st); err != nil {
				d.Log.Error("publishing readiness", "err", err)
			}
		}
		if !sleep(ctx, interval) {
			break
		}
	}
	d.Log.Info("stopping: marking the node not ready and unmounting")
	if err := sink.Set(Status{Reasons: []string{"node agent is shutting down"}}); err != nil {
		d.Log.Error("publishing readiness", "err", err)
	}
	return unmountRefs(context.WithoutCancel(ctx), d, ours)
}

// mountRef is a mount point of ours and the VD device mounted there.
type mountRef struct {
	Target string
	Device string
}

// adoptExisting finds the layout's mount points that are mounted already from a VD device
// (/dev/gdg*), without asking graidctl: what a restarted agent must unmount on stop.
func adoptExisting(l *Layout, d Deps) Status {
	var st Status
	mounts, err := ReadMountInfo(d.MountInfo)
	if err != nil {
		return st
	}
	for _, g := range l.DriveGroups {
		for _, v := range g.VirtualDrives {
			target := d.target(v.MountPath)
			if e, ok := FindMount(mounts, target); ok && isVDSource(d, e.Source) {
				st.Mounted = append(st.Mounted, target)
				st.MountedDevices = append(st.MountedDevices, e.Source)
			}
		}
	}
	return st
}

// isVDSource reports whether a mount source is a SupremeRAID virtual drive node.
func isVDSource(d Deps, source string) bool {
	rel := strings.TrimPrefix(source, filepath.Clean(d.DevRoot))
	if d.DevRoot == "" {
		rel = source
	}
	return strings.HasPrefix(rel, "/dev/gdg")
}

// sleep waits for d or until ctx is done; it reports whether to go on.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// UnmountAll unmounts the given mount points in reverse order. Each gets plain umount, retried
// until Deps.UnmountTimeout; only then, as a logged last resort, a lazy `umount -l`.
func UnmountAll(ctx context.Context, d Deps, targets []string) error {
	refs := make([]mountRef, len(targets))
	for i, t := range targets {
		refs[i] = mountRef{Target: t}
	}
	return unmountRefs(ctx, d, refs)
}

// unmountRefs unmounts in reverse order and then proves each VD released: an unmount counts only
// when the device opens O_EXCL. Tenant pods hold their own copies of the mount in their own
// mount namespaces; the host's umount succeeds while the filesystem stays alive, and stopping
// graid under it would lose the writes in flight.
func unmountRefs(ctx context.Context, d Deps, refs []mountRef) error {
	d = d.withDefaults()
	var errs []error
	for i := len(refs) - 1; i >= 0; i-- {
		if err := unmountOne(ctx, d, refs[i].Target); err != nil {
			errs = append(errs, err)
			continue
		}
		if refs[i].Device == "" {
			continue
		}
		if err := waitReleased(ctx, d, refs[i].Device); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", refs[i].Target, err))
		} else {
			d.Log.Info("released: no filesystem holds the virtual drive any more", "device", refs[i].Device)
		}
	}
	if len(errs) > 0 {
		d.Log.Error("UNCLEAN: a virtual drive is still in use after the unmount budget; graid_server must keep running until it is released", "err", errors.Join(errs...))
	}
	return errors.Join(errs...)
}

// waitReleased waits up to Deps.UnmountTimeout for the device to open O_EXCL, which the kernel
// refuses (EBUSY) while any mount namespace still has a filesystem on it.
func waitReleased(ctx context.Context, d Deps, dev string) error {
	deadline := time.Now().Add(d.UnmountTimeout)
	for {
		err := openExclusive(dev)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EBUSY) {
			return fmt.Errorf("checking that %s is released: %w", dev, err)
		}
		if !time.Now().Before(deadline) {
			return fmt.Errorf("%s is unmounted here but still busy after %s: another mount namespace (a tenant pod still terminating) holds its filesystem", dev, d.UnmountTimeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(d.UnmountRetry):
		}
	}
}

// openExclusive opens and closes dev with O_EXCL: it fails with EBUSY while a filesystem or holder claims it.
func openExclusive(dev string) error {
	f, err := os.OpenFile(dev, os.O_RDONLY|syscall.O_EXCL, 0)
	if err != nil {
		return err
	}
	return f.Close()
}

func isMounted(d Deps, target string) (bool, error) {
	mounts, err := ReadMountInfo(d.MountInfo)
	if err != nil {
		return false, err
	}
	_, ok := FindMount(mounts, target)
	return ok, nil
}

func unmountOne(ctx context.Context, d Deps, target string) error {
	deadline := time.Now().Add(d.UnmountTimeout)
	var lastErr error
	for {
		mounted, err := isMounted(d, target)
		if err != nil {
			return err
		}
		if !mounted {
			d.Log.Info("unmounted", "target", target)
			return nil
		}
		if !time.Now().Before(deadline) {
			break
		}
		if lastErr = d.Mount.Unmount(ctx, target, false); lastErr != nil {
			d.Log.Warn("unmount failed, retrying", "target", target, "err", lastErr)
			time.Sleep(d.UnmountRetry)
		}
	}
	d.Log.Error("LAST RESORT: lazy unmount (umount -l): the filesystem stays alive until its last user closes it",
		"target", target, "after", d.UnmountTimeout, "last_err", lastErr)
	if err := d.Mount.Unmount(ctx, target, true); err != nil {
		return fmt.Errorf("lazy unmount of %s: %w", target, err)
	}
	if mounted, err := isMounted(d, target); err != nil || mounted {
		return fmt.Errorf("%s is still mounted after a lazy unmount (err=%v)", target, err)
	}
	return nil
}
