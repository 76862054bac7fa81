package agent

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Loop is the DaemonSet mode: reconcile, publish readiness, repeat every
// interval until ctx is cancelled (SIGTERM), then report not ready and
// unmount what the agent mounted. A pass that has started is finished
// even if ctx is cancelled meanwhile, so mkfs or a graidctl create is
// never cut in half; terminationGracePeriodSeconds must cover one pass
// plus Deps.UnmountTimeout.
func Loop(ctx context.Context, l *Layout, d Deps, sink ReadySink, interval time.Duration) error {
	d = d.withDefaults()
	var ours []string // mount points verified as ours, in layout order
	for {
		st := Run(context.WithoutCancel(ctx), l, d)
		for _, m := range st.Mounted {
			if !slices.Contains(ours, m) {
				ours = append(ours, m)
			}
		}
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
	return UnmountAll(context.WithoutCancel(ctx), d, ours)
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

// UnmountAll unmounts the given mount points in reverse order. Each gets
// plain umount, retried until Deps.UnmountTimeout; only then, as a logged
// last resort, a lazy `umount -l`.
func UnmountAll(ctx context.Context, d Deps, targets []string) error {
	d = d.withDefaults()
	var errs []error
	for i := len(targets) - 1; i >= 0; i-- {
		if err := unmountOne(ctx, d, targets[i]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
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
