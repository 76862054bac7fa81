package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// driveRecord remembers, per configured NVMe path, the WWID the agent read
// before turning it into a PD. Once a PD exists its /dev/nvmeXnY node is
// gone, so this record is how a restarted agent recognises its own PDs.
// It is written before `create pd`, so a crash right after still leaves
// enough to recognise the PD.
type driveRecord struct {
	Version int               `json:"version"`
	Drives  map[string]string `json:"drives"` // device path -> WWID
}

const recordFile = "drives.json"

func loadRecord(dir string) (*driveRecord, error) {
	b, err := os.ReadFile(filepath.Join(dir, recordFile))
	if errors.Is(err, fs.ErrNotExist) {
		return &driveRecord{Version: 1, Drives: map[string]string{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading drive record: %w", err)
	}
	var r driveRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("parsing drive record %s: %w", filepath.Join(dir, recordFile), err)
	}
	if r.Drives == nil {
		r.Drives = map[string]string{}
	}
	return &r, nil
}

// save writes the record durably (temp file, fsync, rename).
func (r *driveRecord) save(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("writing drive record: %w", err)
	}
	b, err := json.MarshalIndent(r, "", "  ") // map keys are sorted: deterministic
	if err != nil {
		return fmt.Errorf("writing drive record: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".drives-*")
	if err != nil {
		return fmt.Errorf("writing drive record: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing drive record: %w", err)
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, recordFile)); err != nil {
		return fmt.Errorf("writing drive record: %w", err)
	}
	return nil
}
