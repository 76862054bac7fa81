package graidctl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Runner runs one command and returns its stdout and stderr.
type Runner interface {
	Run(ctx context.Context, name string, args []string) (stdout, stderr []byte, err error)
}

// ExecRunner runs commands with os/exec; Env, when set, replaces the environment.
type ExecRunner struct {
	Env []string
	// Timeout bounds each command (DefaultTimeout when zero): a graidctl that hangs on a dead
	// graid_server must not hold the agent past its grace period.
	Timeout time.Duration
}

// DefaultTimeout bounds one graidctl command.
const DefaultTimeout = 2 * time.Minute

// Run implements Runner.
func (r ExecRunner) Run(ctx context.Context, name string, args []string) ([]byte, []byte, error) {
	timeout := r.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	// Kill the whole process group on timeout, and do not wait for children that keep the
	// output pipes open.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	if r.Env != nil {
		cmd.Env = r.Env
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("timed out after %s: %w", timeout, err)
	}
	return stdout.Bytes(), stderr.Bytes(), err
}

// Client talks to graidctl. It deliberately has no delete methods: the node
// agent must never delete RAID objects, and run refuses any delete verb.
type Client struct {
	Path   string // graidctl binary
	Runner Runner
}

// New returns a client for the graidctl binary at path using os/exec.
func New(path string) *Client {
	return &Client{Path: path, Runner: ExecRunner{}}
}

// ErrDeleteRefused is returned if anything asks the client to delete.
var ErrDeleteRefused = errors.New("graidctl client never deletes RAID objects")

// run executes graidctl; shown is the argument list safe to print in errors
// (the license key is never echoed).
func (c *Client) run(ctx context.Context, args, shown []string) ([]byte, error) {
	if len(args) > 0 && (args[0] == "del" || args[0] == "delete") {
		return nil, ErrDeleteRefused
	}
	stdout, stderr, err := c.Runner.Run(ctx, c.Path, args)
	if err != nil {
		msg := strings.TrimSpace(string(stderr))
		if msg == "" {
			msg = strings.TrimSpace(string(stdout))
		}
		return nil, fmt.Errorf("graidctl %s: %w: %s", strings.Join(shown, " "), err, msg)
	}
	return stdout, nil
}

func (c *Client) list(ctx context.Context, kind string, v any) error {
	args := []string{"ls", kind, "--format", "json"}
	out, err := c.run(ctx, args, args)
	if err != nil {
		return err
	}
	if err := DecodeResult(out, v); err != nil {
		return fmt.Errorf("graidctl ls %s: %w", kind, err)
	}
	return nil
}

// ListControllers runs `graidctl ls cx --format json`.
func (c *Client) ListControllers(ctx context.Context) ([]Controller, error) {
	var v []Controller
	return v, c.list(ctx, "cx", &v)
}

// ListPhysicalDrives runs `graidctl ls pd --format json`.
func (c *Client) ListPhysicalDrives(ctx context.Context) ([]PhysicalDrive, error) {
	var v []PhysicalDrive
	return v, c.list(ctx, "pd", &v)
}

// ListDriveGroups runs `graidctl ls dg --format json`.
func (c *Client) ListDriveGroups(ctx context.Context) ([]DriveGroup, error) {
	var v []DriveGroup
	return v, c.list(ctx, "dg", &v)
}

// ListVirtualDrives runs `graidctl ls vd --format json`.
func (c *Client) ListVirtualDrives(ctx context.Context) ([]VirtualDrive, error) {
	var v []VirtualDrive
	return v, c.list(ctx, "vd", &v)
}

// ApplyLicense runs `graidctl apply license <KEY>`. The key is an argument
// because that is the documented form; errors never contain it.
func (c *Client) ApplyLicense(ctx context.Context, key string) error {
	if key == "" {
		return errors.New("graidctl apply license: empty license key")
	}
	_, err := c.run(ctx, []string{"apply", "license", key}, []string{"apply", "license", "<redacted>"})
	if err != nil {
		// Some CLIs echo their arguments in error text: scrub to be sure.
		return errors.New(strings.ReplaceAll(err.Error(), key, "<redacted>"))
	}
	return nil
}

// CreatePhysicalDrive runs `graidctl create pd <device>`.
func (c *Client) CreatePhysicalDrive(ctx context.Context, device string) error {
	args := []string{"create", "pd", device}
	_, err := c.run(ctx, args, args)
	return err
}

// CreateDriveGroup runs `graidctl create dg <level> <pd ids>`.
func (c *Client) CreateDriveGroup(ctx context.Context, level string, pdIDs []int) error {
	if len(pdIDs) == 0 {
		return errors.New("graidctl create dg: no physical drives")
	}
	args := []string{"create", "dg", level, FormatIDList(pdIDs)}
	_, err := c.run(ctx, args, args)
	return err
}

// CreateVirtualDrive runs `graidctl create vd <dg> [size]`; an empty size
// takes the rest of the drive group.
func (c *Client) CreateVirtualDrive(ctx context.Context, dgID int, size string) error {
	args := []string{"create", "vd", strconv.Itoa(dgID)}
	if size != "" {
		args = append(args, size)
	}
	_, err := c.run(ctx, args, args)
	return err
}
