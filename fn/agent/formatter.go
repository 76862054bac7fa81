package agent

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
)

// Formatter makes a filesystem on a device the caller has proven blank.
type Formatter interface {
	Mkfs(ctx context.Context, fstype, device string) error
}

// MkfsFormatter runs mkfs.xfs or mkfs.ext4 without any force flag.
// mkfs.xfs then refuses by itself to overwrite a filesystem; mkfs.ext4
// does not when stdin is not a terminal, so the agent's blkid probe right
// before formatting is the guard that matters.
type MkfsFormatter struct {
	// Dir, when set, is where mkfs.<fstype> is looked up; default PATH.
	Dir string
}

// Mkfs implements Formatter.
func (m MkfsFormatter) Mkfs(ctx context.Context, fstype, device string) error {
	if fstype != "xfs" && fstype != "ext4" {
		return fmt.Errorf("mkfs: unsupported filesystem %q", fstype)
	}
	bin := "mkfs." + fstype
	if m.Dir != "" {
		bin = m.Dir + "/" + bin
	}
	cmd := exec.CommandContext(ctx, bin, "-q", device)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s -q %s: %w: %s", bin, device, err, strings.TrimSpace(out.String()))
	}
	return nil
}
