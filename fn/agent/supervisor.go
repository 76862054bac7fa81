package agent

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Supervisor runs graid's userspace as children of the agent, in the agent's container, the way
// graid.service does (a public copy of the vendor unit: Wants/After graidcore@0 and @1,
// ExecStartPre=graid_server_pre.sh, ExecStart=graid_server, KillMode=process, Restart=no,
// TimeoutStopSec=60s). One process tree means graidctl, graid_server and the agent share one
// filesystem for graid's socket, pid and lock files, and the agent decides when graid stops:
// last, and never while a virtual drive is claimed. The kubelet's SIGTERM reaches only the
// agent (PID 1); the children get their signals from it.
type Supervisor struct {
	// Pre is graid_server_pre.sh; skipped when empty or absent (not every release ships it).
	Pre string
	// Server is graid_server.
	Server string
	// Cores are the graid_core command lines to start first (graidcore@0 and @1). The unit's
	// ExecStart is not public: empty means graid_server starts them itself, as observed
	// installations show graid_core processes next to it.
	Cores [][]string
	// StopTimeout is how long graid_server gets after SIGTERM before SIGKILL (the unit's 60 s).
	StopTimeout time.Duration
	// CommandTimeout bounds Pre.
	CommandTimeout time.Duration
	Log            *slog.Logger

	mu       sync.Mutex
	children []*child
	stopping bool
}

type child struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// DefaultGraidStopTimeout is graid.service's TimeoutStopSec.
const DefaultGraidStopTimeout = 60 * time.Second

// Start runs Pre, then the cores, then graid_server. Per the vendor unit (Restart=no) a child
// that exits is logged and not restarted: graidctl then fails and the node reports not ready.
func (s *Supervisor) Start(ctx context.Context) error {
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.Pre != "" {
		if _, err := os.Stat(s.Pre); err == nil {
			timeout := s.CommandTimeout
			if timeout == 0 {
				timeout = 5 * time.Minute
			}
			cx, cancel := context.WithTimeout(ctx, timeout)
			out, err := exec.CommandContext(cx, s.Pre).CombinedOutput()
			cancel()
			if err != nil {
				return fmt.Errorf("%s: %w: %s", s.Pre, err, strings.TrimSpace(string(out)))
			}
			s.Log.Info("ran graid_server_pre (graid.service ExecStartPre)", "path", s.Pre)
		}
	}
	for i, c := range s.Cores {
		if err := s.spawn(fmt.Sprintf("graid_core@%d", i), c); err != nil {
			return err
		}
	}
	return s.spawn("graid_server", []string{s.Server})
}

func (s *Supervisor) spawn(name string, argv []string) error {
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	// Its own process group: a terminal's or runtime's group signal does not reach it; only
	// the agent signals it, in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, done: make(chan struct{})}
	s.mu.Lock()
	s.children = append(s.children, c)
	s.mu.Unlock()
	s.Log.Info("started", "child", name, "pid", cmd.Process.Pid)
	go func() {
		c.err = cmd.Wait()
		close(c.done)
		s.mu.Lock()
		stopping := s.stopping
		s.mu.Unlock()
		if !stopping {
			s.Log.Error("EXITED: "+name+" stopped on its own; not restarted (graid.service has Restart=no): check its log", "err", c.err)
		}
	}()
	return nil
}

// Forward passes a signal (SIGHUP, SIGUSR1...) to every running child.
func (s *Supervisor) Forward(sig os.Signal) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.children {
		select {
		case <-c.done:
		default:
			_ = c.cmd.Process.Signal(sig)
		}
	}
}

// Running reports whether graid_server is still running.
func (s *Supervisor) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.children {
		if c.name == "graid_server" {
			select {
			case <-c.done:
				return false
			default:
				return true
			}
		}
	}
	return false
}

// Stop stops graid_server, then the cores, each with SIGTERM and StopTimeout before SIGKILL.
// The caller has made sure no virtual drive is claimed (StopWhenReleased).
func (s *Supervisor) Stop() error {
	s.mu.Lock()
	s.stopping = true
	children := append([]*child(nil), s.children...)
	s.mu.Unlock()
	timeout := s.StopTimeout
	if timeout == 0 {
		timeout = DefaultGraidStopTimeout
	}
	var errs []error
	for i := len(children) - 1; i >= 0; i-- { // graid_server first: it was started last
		c := children[i]
		select {
		case <-c.done:
			continue
		default:
		}
		s.Log.Info("stopping", "child", c.name, "timeout", timeout)
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.done:
			s.Log.Info("stopped", "child", c.name)
		case <-time.After(timeout):
			s.Log.Error("KILLED: "+c.name+" did not stop within its timeout", "timeout", timeout)
			_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
			<-c.done
			errs = append(errs, fmt.Errorf("%s did not stop within %s and was killed", c.name, timeout))
		}
	}
	return errors.Join(errs...)
}

// claimedVDs lists the SupremeRAID virtual drives that something still holds: a filesystem in
// any mount namespace, or a holder. Such a drive opens O_EXCL with EBUSY. A drive that cannot be
// opened for another reason (ENXIO, EIO, EACCES) cannot be proven released and counts as
// claimed, with the reason; only a node that vanished (ENOENT) counts as released.
func claimedVDs(d Deps) ([]string, error) {
	devs, err := filepath.Glob(d.dev("/dev/gdg*"))
	if err != nil {
		return nil, err
	}
	var busy []string
	for _, dev := range devs {
		err := openExclusive(dev)
		switch {
		case err == nil, errors.Is(err, fs.ErrNotExist):
		case errors.Is(err, syscall.EBUSY):
			busy = append(busy, dev)
		default:
			busy = append(busy, fmt.Sprintf("%s (cannot prove it released: %v)", dev, err))
		}
	}
	return busy, nil
}

// StopWhenReleased stops graid only once no virtual drive is claimed. While one is (a tenant
// pod still terminating keeps its mount namespace), graid keeps serving and the agent keeps
// waiting and saying so; the pod's grace period bounds the wait, and if the kubelet kills the
// pod first, graid dies with it, which is no worse than stopping it under the filesystem now.
func StopWhenReleased(ctx context.Context, d Deps, s *Supervisor, poll time.Duration) error {
	d = d.withDefaults()
	lastLog := time.Time{}
	for {
		busy, err := claimedVDs(d)
		if err != nil {
			return err
		}
		if len(busy) == 0 {
			return s.Stop()
		}
		if time.Since(lastLog) >= 10*time.Second {
			d.Log.Error("NOT STOPPING graid_server: virtual drives are still in use (a tenant pod still terminating, or a mount left behind)", "claimed", busy)
			lastLog = time.Now()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("graid_server left running: %v still claimed: %w", busy, ctx.Err())
		case <-time.After(poll):
		}
	}
}
