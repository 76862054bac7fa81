// Package graidctlsim is a test-only stand-in for SupremeRAID's graidctl.
//
// It follows the documented command syntax (`apply license <KEY>`,
// `create pd /dev/nvme0n1` or `/dev/nvme0-3`, `create dg raid5 0-3`,
// `create vd <dg> [size]`, `ls pd|dg|vd|cx --format json` printing
// {"Result": ...}, deletes only with --confirm-to-delete) and mimics the
// device-node behaviour: creating a PD removes /dev/nvmeXnY and adds
// /dev/gpdN; creating a VD adds /dev/gdg<dg>n<vd+1>. Device nodes live
// under a root directory (GRAIDCTL_SIM_ROOT) so tests never touch the real
// /dev. State is a JSON file (GRAIDCTL_SIM_STATE) that also records every
// invocation, so tests can assert which commands an agent ran.
package graidctlsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// Environment variables read by Main.
const (
	EnvState = "GRAIDCTL_SIM_STATE"
	EnvRoot  = "GRAIDCTL_SIM_ROOT"
)

// DefaultVDFileBytes is the size of the sparse file backing a simulated VD:
// large enough for mkfs.xfs (300 MiB minimum), small enough for tmpfs.
const DefaultVDFileBytes = 512 << 20

// State is the simulator's persistent state.
type State struct {
	// LicenseKeys lists keys `apply license` accepts; empty accepts any key.
	LicenseKeys []string `json:"licenseKeys,omitempty"`
	Licensed    bool     `json:"licensed"`
	PDs         []PD     `json:"pds,omitempty"`
	DGs         []DG     `json:"dgs,omitempty"`
	VDs         []VD     `json:"vds,omitempty"`
	// VDLinks makes a new VD's device node a symlink to a real block device
	// (a loop device in mount tests) instead of a sparse file.
	VDLinks     map[string]string `json:"vdLinks,omitempty"`
	VDFileBytes int64             `json:"vdFileBytes,omitempty"`
	// FailOnce holds command prefixes ("create vd") that fail once, to
	// simulate a crash or a transient error between two steps.
	FailOnce []string `json:"failOnce,omitempty"`
	// Log records every invocation, license keys redacted.
	Log []string `json:"log,omitempty"`
	// Faults set by tests (faults.go): PD and DG states other than the
	// healthy defaults and a rebuild's progress, keyed by ID ("0", "1").
	PDStates   map[string]string  `json:"pdStates,omitempty"`
	DGStates   map[string]string  `json:"dgStates,omitempty"`
	DGProgress map[string]float64 `json:"dgProgress,omitempty"`

	// ImportPending simulates graid_server importing its drives after a restart: while it is
	// positive, `ls pd|dg|vd` list nothing (the PDs' NVMe nodes are still there), and each
	// `ls pd` counts it down; at zero the PDs' NVMe nodes go away again. See Reboot.
	ImportPending int `json:"importPending,omitempty"`
	// Hang holds command prefixes ("ls pd") that never return, like a graidctl waiting on a
	// dead graid_server.
	Hang []string `json:"hang,omitempty"`
	// Garble: commands starting with one of these print the first half of their output and
	// exit 0 (a graidctl killed mid-write, or a format this agent does not know).
	Garble []string `json:"garble,omitempty"`
	// FailAfter: commands starting with one of these take effect, then report failure once
	// (exit 1), as a create that times out after graid has acted would.
	FailAfter []string `json:"failAfter,omitempty"`
	// VDNodeDelay is how many further graidctl invocations it takes for a new VD's device
	// node to appear: udev creates it asynchronously.
	VDNodeDelay int `json:"vdNodeDelay,omitempty"`
	// VDIDBase is the first id graid gives a new VD of a group (default 0, as observed): a
	// different base checks that callers read the id from the listing instead of guessing.
	VDIDBase int `json:"vdIdBase,omitempty"`
	// Prompt makes create commands ask for confirmation on stdin first.
	Prompt bool `json:"prompt,omitempty"`
	// pendingNodes are VD device nodes still to appear: device -> invocations left.
	PendingNodes map[string]int `json:"pendingNodes,omitempty"`
}

// PD is a simulated physical drive.
type PD struct {
	ID     int    `json:"id"`
	DG     *int   `json:"dg,omitempty"`
	Source string `json:"source"` // the /dev/nvmeXnY it was created from
	Wwid   string `json:"wwid"`
	// Missing marks a PD whose SSD is gone (pulled or failed): listed with state MISSING.
	Missing bool `json:"missing,omitempty"`
}

// DG is a simulated drive group; Level is upper case ("RAID5").
type DG struct {
	ID    int    `json:"id"`
	Level string `json:"level"`
	// Init counts the listings during which a new group is still initialising (state INIT);
	// a group with a missing PD is DEGRADED.
	Init int `json:"init,omitempty"`
}

// VD is a simulated virtual drive.
type VD struct {
	DG     int    `json:"dg"`
	ID     int    `json:"id"`
	Size   string `json:"size,omitempty"` // as given; empty = rest of the group
	Device string `json:"device"`
}

// LoadState reads a state file; a missing file is an empty state.
func LoadState(path string) (*State, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &State{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading simulator state: %w", err)
	}
	var s State
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("parsing simulator state %s: %w", path, err)
	}
	return &s, nil
}

// Save writes the state atomically.
func (s *State) Save(path string) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding simulator state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".graidctl-sim-*")
	if err != nil {
		return fmt.Errorf("writing simulator state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("writing simulator state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing simulator state: %w", err)
	}
	return os.Rename(tmp.Name(), path)
}

// lock serialises invocations that share a state file.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path+".lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("locking simulator state: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking simulator state: %w", err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// AddNVMe lays out a simulated NVMe namespace under root: the device node
// /dev/<name> (a sparse file of size bytes) and /sys/class/block/<name>/wwid.
func AddNVMe(root, name, wwid string, size int64) error {
	if err := touch(filepath.Join(root, "dev", name), size); err != nil {
		return fmt.Errorf("adding simulated %s: %w", name, err)
	}
	dir := filepath.Join(root, "sys/class/block", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("adding simulated %s: %w", name, err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "device"), 0o755); err != nil {
		return fmt.Errorf("adding simulated %s: %w", name, err)
	}
	// The device number is made up from the name (nvme3n1 -> 259:49); the serial is the
	// controller's, shared by its namespaces, as in sysfs.
	var ctrl, ns int
	fmt.Sscanf(name, "nvme%dn%d", &ctrl, &ns)
	files := map[string]string{
		"wwid":          wwid,
		"dev":           fmt.Sprintf("259:%d", ctrl*16+ns),
		"device/serial": fmt.Sprintf("SIMSERIAL%04d", ctrl),
	}
	for f, v := range files {
		if err := os.WriteFile(filepath.Join(dir, f), []byte(v+"\n"), 0o644); err != nil {
			return fmt.Errorf("adding simulated %s: %w", name, err)
		}
	}
	return nil
}

// Reboot simulates a node restart before graid has re-imported its drives: every PD's NVMe
// node is back (graid has not claimed the SSDs yet) and listings stay empty for the given number
// of `ls pd` calls.
func Reboot(statePath, root string, importCalls int) error {
	st, err := LoadState(statePath)
	if err != nil {
		return err
	}
	for _, pd := range st.PDs {
		if pd.Missing {
			continue
		}
		if err := AddNVMe(root, filepath.Base(pd.Source), pd.Wwid, 64<<20); err != nil {
			return err
		}
	}
	st.ImportPending = importCalls
	return st.Save(statePath)
}

// FinishImport ends a simulated import at once: graid lists its drives again.
func FinishImport(statePath, root string) error {
	st, err := LoadState(statePath)
	if err != nil {
		return err
	}
	st.ImportPending = 0
	finishImport(st, root)
	return st.Save(statePath)
}

// finishImport removes the PDs' NVMe nodes again: graid has claimed the SSDs.
func finishImport(st *State, root string) {
	for _, pd := range st.PDs {
		if !pd.Missing {
			_ = os.Remove(filepath.Join(root, pd.Source))
		}
	}
}

// tickNodes makes pending VD device nodes appear once their delay has passed.
func tickNodes(st *State, root string) {
	for dev, left := range st.PendingNodes {
		if left > 1 {
			st.PendingNodes[dev] = left - 1
			continue
		}
		delete(st.PendingNodes, dev)
		_ = materialiseVD(st, root, dev)
	}
}
