package agent

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
)

// Deps are the agent's side effects. RealDeps is what the binary uses; tests
// swap the graidctl binary for the simulator and point the roots at temp dirs.
type Deps struct {
	Graidctl *graidctl.Client
	Prober   Prober
	Format   Formatter
	Mount    Mounter
	Log      *slog.Logger

	// HostRoot is where the host's / is mounted in the container ("/host"):
	// mount points, tenant directories and the drive record live under it.
	HostRoot string
	// DevRoot and SysRoot prefix /dev and /sys paths; empty in production,
	// where the DaemonSet mounts the host's /dev and /sys at the same paths.
	DevRoot string
	SysRoot string
	// MountInfo is the mount table to verify mounts against.
	MountInfo string
	// StateDir is the host directory (under HostRoot) for the drive record.
	StateDir string
	// Chown changes a tenant directory's owner.
	Chown func(path string, uid, gid int) error
	// UnmountTimeout bounds the clean unmount on shutdown before the lazy
	// last resort; UnmountRetry is the pause between attempts.
	UnmountTimeout time.Duration
	UnmountRetry   time.Duration
	// Stop, when set, is the agent's stop signal: once it is done, a pass finishes the command
	// it is in but starts no new create, mkfs or mount, so the grace period goes to unmounting
	// and to stopping graid cleanly instead of to a first install.
	Stop context.Context
}

// errStopping ends a pass early at a step boundary once the agent is stopping.
var errStopping = errors.New("the agent is stopping: no new create, mkfs or mount was started; the next start goes on from the record")

// stopping reports whether the agent has been told to stop.
func (d Deps) stopping() bool { return d.Stop != nil && d.Stop.Err() != nil }

// Defaults used by RealDeps and Main.
const (
	DefaultHostRoot       = "/host"
	DefaultStateDir       = "/var/lib/supremeraid-node"
	DefaultUnmountTimeout = 60 * time.Second
)

// RealDeps returns the production side effects: graidctl, blkid, mkfs,
// mount(8)/umount(8) and /proc/self/mountinfo.
func RealDeps(graidctlPath, hostRoot string, log *slog.Logger) Deps {
	return Deps{
		Graidctl:       graidctl.New(graidctlPath),
		Prober:         BlkidProber{},
		Format:         MkfsFormatter{},
		Mount:          ExecMounter{},
		Log:            log,
		HostRoot:       hostRoot,
		MountInfo:      "/proc/self/mountinfo",
		StateDir:       DefaultStateDir,
		Chown:          os.Lchown,
		UnmountTimeout: DefaultUnmountTimeout,
		UnmountRetry:   time.Second,
	}
}

func (d Deps) withDefaults() Deps {
	if d.Log == nil {
		d.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.MountInfo == "" {
		d.MountInfo = "/proc/self/mountinfo"
	}
	if d.StateDir == "" {
		d.StateDir = DefaultStateDir
	}
	if d.Chown == nil {
		d.Chown = os.Lchown
	}
	if d.UnmountTimeout == 0 {
		d.UnmountTimeout = DefaultUnmountTimeout
	}
	if d.UnmountRetry == 0 {
		d.UnmountRetry = time.Second
	}
	return d
}

func (d Deps) host(p string) string    { return filepath.Join(d.HostRoot, p) }
func (d Deps) dev(p string) string     { return filepath.Join(d.DevRoot, p) }
func (d Deps) sys(p string) string     { return filepath.Join(d.SysRoot, p) }
func (d Deps) stateDir() string        { return d.host(d.StateDir) }
func (d Deps) target(mp string) string { return d.host(mp) }
