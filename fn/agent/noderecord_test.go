package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDriveRecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	r, err := loadRecord(dir)
	if err != nil || len(r.Drives) != 0 {
		t.Fatalf("a missing record is empty, got %+v %v", r, err)
	}
	r.Drives["/dev/nvme1n1"] = "eui.1"
	r.Drives["/dev/nvme0n1"] = "eui.0"
	if err := r.save(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, recordFile))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Index(string(b), "nvme0n1") > strings.Index(string(b), "nvme1n1") {
		t.Errorf("record must be written in sorted order for stable diffs:\n%s", b)
	}
	back, err := loadRecord(dir)
	if err != nil || back.Drives["/dev/nvme1n1"] != "eui.1" {
		t.Errorf("round trip: %+v %v", back, err)
	}
	if err := os.WriteFile(filepath.Join(dir, recordFile), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadRecord(dir); err == nil || !strings.Contains(err.Error(), "parsing drive record") {
		t.Errorf("a corrupt record is an error (never treated as empty), got %v", err)
	}
}
