package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// nodeRecord is the host-side record of what this agent made: the source of truth for "ours".
// graidctl's listing is not: after a reboot graid may not have re-imported its drives yet, and
// after graid_server lost its state it lists nothing, while the SSDs still carry the array and the
// filesystems. A drive, group or virtual drive in this record is never created again; if graid
// does not list it, the agent waits and reports.
//
// Every step is recorded before it is taken (intent) and confirmed after graid lists its result,
// so an agent killed between any two steps finds, on restart, either the intent (the step may be
// retried only where that is provably safe) or the confirmed result (never redone).
type nodeRecord struct {
	Version int `json:"version"`
	// Names maps a configured drive name (as in the layout) to the WWID it resolved to, so a
	// drive named by a /dev path is still recognised once it is a PD and its node is gone.
	Names  map[string]string `json:"names,omitempty"`
	Drives []recDrive        `json:"drives,omitempty"`
	Groups []recGroup        `json:"groups,omitempty"`
}

// DriveID is a drive's stable identity from sysfs. Kernel names (nvme0n1) are never part of it:
// they change between boots.
type DriveID struct {
	Wwid   string `json:"wwid"`             // /sys/class/block/<ns>/wwid (built from NGUID, EUI-64 or serial)
	NGUID  string `json:"nguid,omitempty"`  // /sys/class/block/<ns>/nguid
	EUI64  string `json:"eui64,omitempty"`  // /sys/class/block/<ns>/eui
	Serial string `json:"serial,omitempty"` // /sys/class/block/<ns>/device/serial (the controller's)
}

// Record states.
const (
	stateIntent    = "intent"    // written before the create command ran
	stateConfirmed = "confirmed" // graidctl listed the result
)

type recDrive struct {
	ID    DriveID `json:"id"`
	State string  `json:"state"`
}

type recGroup struct {
	Level   string   `json:"level"`
	Members []string `json:"members"` // WWIDs, in layout order
	State   string   `json:"state"`
	DgID    int      `json:"dgId"` // meaningful once confirmed
	VDs     []recVD  `json:"vds,omitempty"`
}

type recVD struct {
	MountPath  string `json:"mountPath"`
	Size       string `json:"size"`
	Filesystem string `json:"filesystem"`
	// VdID is the id graid gives the VD: the expected one while State is intent.
	VdID  int    `json:"vdId"`
	State string `json:"state"`
	// FSUUID is chosen before mkfs and passed to it, so a filesystem found later is ours
	// exactly when it carries this UUID. Formatted is set once mkfs returned.
	FSUUID    string `json:"fsUUID,omitempty"`
	Formatted bool   `json:"formatted,omitempty"`
}

const recordFile = "record.json"

// legacyRecordFile is the previous agent's drive record (configured path -> WWID); its names are
// carried over so its PDs stay recognised.
const legacyRecordFile = "drives.json"

func loadRecord(dir string) (*nodeRecord, error) {
	r := &nodeRecord{Version: 2, Names: map[string]string{}}
	b, err := os.ReadFile(filepath.Join(dir, recordFile))
	if errors.Is(err, fs.ErrNotExist) {
		return r, loadLegacy(dir, r)
	}
	if err != nil {
		return nil, fmt.Errorf("reading node record: %w", err)
	}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("parsing node record %s: %w (fix or restore it; the agent never guesses what is ours)", filepath.Join(dir, recordFile), err)
	}
	if r.Version != 2 {
		return nil, fmt.Errorf("node record %s has version %d, this agent reads version 2", filepath.Join(dir, recordFile), r.Version)
	}
	if r.Names == nil {
		r.Names = map[string]string{}
	}
	return r, nil
}

func loadLegacy(dir string, r *nodeRecord) error {
	b, err := os.ReadFile(filepath.Join(dir, legacyRecordFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading drive record: %w", err)
	}
	var old struct {
		Drives map[string]string `json:"drives"`
	}
	if err := json.Unmarshal(b, &old); err != nil {
		return fmt.Errorf("parsing drive record %s: %w", filepath.Join(dir, legacyRecordFile), err)
	}
	for name, wwid := range old.Drives {
		r.Names[name] = wwid
		r.setDrive(DriveID{Wwid: wwid}, stateConfirmed)
	}
	return nil
}

func (r *nodeRecord) drive(wwid string) (*recDrive, bool) {
	i := slices.IndexFunc(r.Drives, func(d recDrive) bool { return d.ID.Wwid == wwid })
	if wwid == "" || i < 0 {
		return nil, false
	}
	return &r.Drives[i], true
}

// setDrive records a drive (or raises its state), keeping the richest identity seen.
func (r *nodeRecord) setDrive(id DriveID, state string) {
	if d, ok := r.drive(id.Wwid); ok {
		if d.State != stateConfirmed {
			d.State = state
		}
		if id.Serial != "" {
			d.ID = id
		}
		return
	}
	r.Drives = append(r.Drives, recDrive{ID: id, State: state})
}

// group finds the recorded group with exactly these members (order ignored).
func (r *nodeRecord) group(members []string) (*recGroup, bool) {
	want := slices.Sorted(slices.Values(members))
	for i := range r.Groups {
		if slices.Equal(slices.Sorted(slices.Values(r.Groups[i].Members)), want) {
			return &r.Groups[i], true
		}
	}
	return nil, false
}

// groupHolding finds a recorded group that any of the WWIDs belongs to.
func (r *nodeRecord) groupHolding(wwid string) (*recGroup, bool) {
	for i := range r.Groups {
		if slices.Contains(r.Groups[i].Members, wwid) {
			return &r.Groups[i], true
		}
	}
	return nil, false
}

func (g *recGroup) vd(mountPath string) (*recVD, bool) {
	i := slices.IndexFunc(g.VDs, func(v recVD) bool { return v.MountPath == mountPath })
	if i < 0 {
		return nil, false
	}
	return &g.VDs[i], true
}

// save writes the record durably: temp file, fsync, rename, fsync of the directory, so the
// record survives a power cut right after the create it announces.
func (r *nodeRecord) save(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("writing node record: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ") // map keys are sorted: deterministic
	if err != nil {
		return fmt.Errorf("writing node record: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".record-*")
	if err != nil {
		return fmt.Errorf("writing node record: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing node record: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, recordFile)); err != nil {
		return fmt.Errorf("writing node record: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
