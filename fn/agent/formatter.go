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

// UUIDFormatter makes a filesystem with a given UUID, so the agent can recognise it later.
type UUIDFormatter interface {
	MkfsUUID(ctx context.Context, fstype, device, uuid string) error
}

// Mkfs implements Formatter.
func (m MkfsFormatter) Mkfs(ctx context.Context, fstype, device string) error {
	return m.MkfsUUID(ctx, fstype, device, "")
}

// MkfsUUID implements UUIDFormatter: mkfs.xfs -m uuid=U, mkfs.ext4 -U U.
func (m MkfsFormatter) MkfsUUID(ctx context.Context, fstype, device, uuid string) error {
	if fstype != "xfs" && fstype != "ext4" {
		return fmt.Errorf("mkfs: unsupported filesystem %q", fstype)
	}
	bin := "mkfs." + fstype
	if m.Dir != "" {
		bin = m.Dir + "/" + bin
	}
	args := []string{"-q"}
	if uuid != "" && fstype == "xfs" {
		args = append(args, "-m", "uuid="+uuid)
	} else if uuid != "" {
		args = append(args, "-U", uuid)
	}
	ctx, cancel := boundedContext(ctx, "mkfs")
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(args, device)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s %s: %w: %s", bin, strings.Join(args, " "), device, err, strings.TrimSpace(out.String()))
	}
	return nil
}
