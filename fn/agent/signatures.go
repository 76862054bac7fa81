package agent

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// Signature is what blkid found on a device in low-level probe mode.
type Signature struct {
	Type   string // filesystem or other content type ("xfs", "swap", "LVM2_member")
	UUID   string
	PTType string // partition table type ("gpt", "dos")
	// Ambivalent means several signatures were found (blkid exit 8).
	Ambivalent bool
}

// Empty reports whether the device carries no signature at all.
func (s Signature) Empty() bool {
	return s.Type == "" && s.PTType == "" && !s.Ambivalent
}

func (s Signature) String() string {
	var parts []string
	if s.PTType != "" {
		parts = append(parts, "a "+s.PTType+" partition table")
	}
	if s.Type != "" {
		parts = append(parts, "a "+s.Type+" signature")
	}
	if s.Ambivalent {
		parts = append(parts, "several conflicting signatures")
	}
	if len(parts) == 0 {
		return "no signature"
	}
	return strings.Join(parts, " and ")
}

// Prober reads content signatures of a device without changing it.
type Prober interface {
	Probe(ctx context.Context, device string) (Signature, error)
}

// BlkidProber runs `blkid -p -o export <device>`: low-level probing reads
// the device itself (not the blkid cache) and never writes.
type BlkidProber struct {
	Path string // default "blkid"
}

// Probe implements Prober.
func (b BlkidProber) Probe(ctx context.Context, device string) (Signature, error) {
	bin := b.Path
	if bin == "" {
		bin = "blkid"
	}
	// blkid exits 2 ("nothing found") for a device it cannot open, too:
	// prove the device is readable first, or a missing disk would look blank.
	f, err := os.Open(device)
	if err != nil {
		return Signature{}, fmt.Errorf("probing %s: %w", device, err)
	}
	f.Close()
	cmd := exec.CommandContext(ctx, bin, "-p", "-o", "export", device)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		switch exitErr.ExitCode() {
		case 2: // nothing found, unless blkid complained
			if msg := strings.TrimSpace(stderr.String()); msg != "" {
				return Signature{}, fmt.Errorf("blkid -p %s: %s", device, msg)
			}
			return Signature{}, nil
		case 8: // ambivalent probing result
			return Signature{Ambivalent: true}, nil
		}
	}
	if err != nil {
		return Signature{}, fmt.Errorf("blkid -p %s: %w: %s", device, err, strings.TrimSpace(stderr.String()))
	}
	return parseBlkidExport(stdout.Bytes()), nil
}

func parseBlkidExport(out []byte) Signature {
	var s Signature
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		switch key {
		case "TYPE":
			s.Type = value
		case "UUID":
			s.UUID = value
		case "PTTYPE":
			s.PTType = value
		}
	}
	return s
}
