package agent

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
)

// Signature is what blkid found on a device in low-level probe mode.
type Signature struct {
	Type   string // filesystem or other content type ("xfs", "swap", "LVM2_member")
	UUID   string
	PTType string // partition table type ("gpt", "dos")
	// Ambivalent means several signatures were found (blkid exit 8).
	Ambivalent bool
	// Found lists signatures only wipefs or the agent's own header check saw, for example a
	// backup GPT at the end of a drive whose primary GPT was zeroed ("gpt at 0x63ffe00").
	Found []string
	// Data means the first or last MiB holds non-zero bytes no prober recognised (for example
	// SupremeRAID's own metadata, which no prober knows).
	Data bool
}

// Empty reports whether the device carries no signature at all.
func (s Signature) Empty() bool {
	return s.Type == "" && s.PTType == "" && !s.Ambivalent && len(s.Found) == 0 && !s.Data
}

// NoSignature is Empty but ignoring unrecognised data: the test for a virtual drive this agent
// has just created, whose blocks graid may not have zeroed.
func (s Signature) NoSignature() bool {
	return s.Type == "" && s.PTType == "" && !s.Ambivalent && len(s.Found) == 0
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
	for _, f := range s.Found {
		parts = append(parts, "a "+f+" signature")
	}
	if s.Data && len(parts) == 0 {
		parts = append(parts, "non-zero data in its first or last MiB that no prober recognises")
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

// BlkidProber probes fail-closed: a device counts as blank only when every read succeeds and no
// prober finds anything. It reads the first and last MiB itself (any read error is an error, never
// "blank": blkid -p exits 2, "nothing found", when every read fails), looks for a GPT header at
// both ends (blkid ignores a backup GPT whose primary was zeroed), then asks blkid -p (low-level,
// no cache, never writes) and wipefs --no-act (which also reports a backup GPT and RAID
// superblocks at the end).
type BlkidProber struct {
	Path      string // default "blkid"
	WipefsBin string // default "wipefs"
}

// probeSpan is how much of each end of the device the agent reads itself. Every signature
// wipefs knows of sits within the first or last MiB (GPT copies, md 0.90/1.x, LVM, ZFS labels,
// filesystem superblocks).
const probeSpan = 1 << 20

// Probe implements Prober.
func (b BlkidProber) Probe(ctx context.Context, device string) (Signature, error) {
	ctx, cancel := boundedContext(ctx, "probe")
	defer cancel()
	var sig Signature
	if err := readEnds(device, &sig); err != nil {
		return Signature{}, fmt.Errorf("probing %s: %w", device, err)
	}
	bs, err := b.blkid(ctx, device)
	if err != nil {
		return Signature{}, err
	}
	sig.Type, sig.UUID, sig.Ambivalent = bs.Type, bs.UUID, bs.Ambivalent
	if bs.PTType != "" {
		sig.PTType = bs.PTType
	}
	found, err := b.wipefs(ctx, device)
	if err != nil {
		return Signature{}, err
	}
	for _, f := range found {
		if !slices.Contains(sig.Found, f) {
			sig.Found = append(sig.Found, f)
		}
	}
	// A signature blkid already named is not news; wipefs adds what blkid missed.
	sig.Found = slices.DeleteFunc(sig.Found, func(f string) bool {
		t, _, _ := strings.Cut(f, " ")
		return (t == sig.Type || t == sig.PTType) && t != ""
	})
	return sig, nil
}

// readEnds reads the first and last probeSpan bytes and checks for GPT headers at LBA 1 and at
// the last LBA (512- and 4096-byte sectors).
func readEnds(device string, sig *Signature) error {
	f, err := os.Open(device)
	if err != nil {
		return err
	}
	defer f.Close()
	size, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("reading the size: %w", err)
	}
	if size <= 0 {
		return errors.New("the device reports size 0; cannot prove it blank")
	}
	span := min(int64(probeSpan), size)
	head := make([]byte, span)
	tail := make([]byte, span)
	if _, err := f.ReadAt(head, 0); err != nil {
		return fmt.Errorf("reading the first %d bytes: %w", span, err)
	}
	if _, err := f.ReadAt(tail, size-span); err != nil {
		return fmt.Errorf("reading the last %d bytes: %w", span, err)
	}
	for _, sector := range []int64{512, 4096} {
		if sector*2 <= span && string(head[sector:sector+8]) == "EFI PART" {
			sig.Found = append(sig.Found, fmt.Sprintf("gpt at %#x", sector))
		}
		if off := span - sector; off >= 0 && string(tail[off:off+8]) == "EFI PART" {
			sig.Found = append(sig.Found, fmt.Sprintf("gpt at %#x (backup header)", size-sector))
		}
	}
	sig.Data = !allZero(head) || !allZero(tail)
	return nil
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

func (b BlkidProber) blkid(ctx context.Context, device string) (Signature, error) {
	cmd := exec.CommandContext(ctx, orDefault(b.Path, "blkid"), "-p", "-o", "export", device)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
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

// wipefs lists what `wipefs --no-act --parsable` would erase, as "<type> at <offset>".
func (b BlkidProber) wipefs(ctx context.Context, device string) ([]string, error) {
	cmd := exec.CommandContext(ctx, orDefault(b.WipefsBin, "wipefs"), "--no-act", "--parsable", device)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("wipefs --no-act %s: %w: %s", device, err, strings.TrimSpace(stderr.String()))
	}
	var out []string
	for _, line := range strings.Split(stdout.String(), "\n") {
		fields := strings.Split(strings.TrimSpace(line), ",")
		if len(fields) < 4 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		out = append(out, fields[len(fields)-1]+" at "+fields[0])
	}
	if msg := strings.TrimSpace(stderr.String()); msg != "" {
		return nil, fmt.Errorf("wipefs --no-act %s: %s", device, msg)
	}
	return out, nil
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
