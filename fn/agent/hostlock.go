package agent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// lockFile, in the state directory on the host, is held (flock) by the running agent. Deleting
// and recreating the DaemonSet starts a new pod while the old one still terminates: two agents
// and two graid_servers on one node would race creates and unmounts. The lock lives on the
// host, not in the container, so it spans pods.
const lockFile = "agent.lock"

// ErrLocked means another agent holds the host lock.
var ErrLocked = errors.New("another node agent holds the host lock")

// HostLock is a held host-level lock; Release drops it (the kernel drops it when the process dies).
type HostLock struct{ f *os.File }

// Release unlocks.
func (l *HostLock) Release() {
	if l != nil && l.f != nil {
		_ = syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
		_ = l.f.Close()
	}
}

// tryHostLock takes the lock without waiting.
func tryHostLock(dir string) (*HostLock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("host lock: %w", err)
	}
	p := filepath.Join(dir, lockFile)
	f, err := os.OpenFile(p, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("host lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s): is a previous agent pod still terminating on this node?", ErrLocked, p)
		}
		return nil, fmt.Errorf("host lock %s: %w", p, err)
	}
	return &HostLock{f: f}, nil
}

// AcquireHostLock waits for the host lock until wait has passed or ctx ends, logging while it
// waits; it never runs a pass without it.
func AcquireHostLock(ctx context.Context, d Deps, wait time.Duration) (*HostLock, error) {
	d = d.withDefaults()
	deadline := time.Now().Add(wait)
	logged := false
	for {
		l, err := tryHostLock(d.stateDir())
		if err == nil || !errors.Is(err, ErrLocked) || !time.Now().Before(deadline) {
			return l, err
		}
		if !logged {
			d.Log.Warn("waiting for the host lock: "+err.Error(), "wait", wait)
			logged = true
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(500 * time.Millisecond):
		}
	}
}
