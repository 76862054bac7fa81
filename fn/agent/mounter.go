package agent

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Mounter mounts and unmounts filesystems.
type Mounter interface {
	Mount(ctx context.Context, source, target, fstype string, options []string) error
	// Unmount detaches target; lazy (umount -l) is a last resort only.
	Unmount(ctx context.Context, target string, lazy bool) error
}

// ExecMounter uses util-linux mount(8) and umount(8), which translate
// option names (noatime, nodev, ...) into flags exactly as an admin would.
type ExecMounter struct {
	MountBin  string // default "mount"
	UmountBin string // default "umount"
}

// Mount implements Mounter.
func (m ExecMounter) Mount(ctx context.Context, source, target, fstype string, options []string) error {
	args := []string{"-t", fstype}
	if len(options) > 0 {
		args = append(args, "-o", strings.Join(options, ","))
	}
	args = append(args, source, target)
	return runQuiet(ctx, orDefault(m.MountBin, "mount"), args)
}

// Unmount implements Mounter.
func (m ExecMounter) Unmount(ctx context.Context, target string, lazy bool) error {
	args := []string{target}
	if lazy {
		args = []string{"-l", target}
	}
	return runQuiet(ctx, orDefault(m.UmountBin, "umount"), args)
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func runQuiet(ctx context.Context, bin string, args []string) error {
	ctx, cancel := boundedContext(ctx, "mount")
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w: %s", bin, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}
