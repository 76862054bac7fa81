package agent

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNodeRecord(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state")
	r, err := loadRecord(dir)
	require.NoError(t, err)
	assert.Empty(t, r.Drives, "a missing record is empty")

	r.Names["/dev/disk/by-id/b"] = "eui.1"
	r.Names["/dev/disk/by-id/a"] = "eui.0"
	r.setDrive(DriveID{Wwid: "eui.0", Serial: "S0"}, stateIntent)
	r.setDrive(DriveID{Wwid: "eui.0"}, stateConfirmed)
	r.Groups = append(r.Groups, recGroup{Level: "raid1", Members: []string{"eui.0", "eui.1"}, State: stateConfirmed,
		VDs: []recVD{{MountPath: "/a", Size: "1Gi", Filesystem: "xfs", VdID: 0, State: stateConfirmed, FSUUID: "u", Formatted: true}}})
	require.NoError(t, r.save(dir))

	back, err := loadRecord(dir)
	require.NoError(t, err)
	assert.Equal(t, r, back, "round trip")
	d, ok := back.drive("eui.0")
	require.True(t, ok)
	assert.Equal(t, DriveID{Wwid: "eui.0", Serial: "S0"}, d.ID, "a later, poorer identity never replaces a richer one")
	assert.Equal(t, stateConfirmed, d.State)
	_, ok = back.group([]string{"eui.1", "eui.0"})
	assert.True(t, ok, "groups are found by their members in any order")

	b1, err := os.ReadFile(filepath.Join(dir, recordFile))
	require.NoError(t, err)
	require.NoError(t, back.save(dir))
	b2, err := os.ReadFile(filepath.Join(dir, recordFile))
	require.NoError(t, err)
	assert.Equal(t, string(b1), string(b2), "saving is deterministic")

	require.NoError(t, os.WriteFile(filepath.Join(dir, recordFile), []byte("{"), 0o600))
	_, err = loadRecord(dir)
	assert.ErrorContains(t, err, "parsing node record", "a corrupt record is an error, never treated as empty")
}

func TestNodeRecordReadsLegacyDriveRecord(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, legacyRecordFile), []byte(`{"version":1,"drives":{"/dev/nvme0n1":"eui.0"}}`), 0o600))
	r, err := loadRecord(dir)
	require.NoError(t, err)
	assert.Equal(t, "eui.0", r.Names["/dev/nvme0n1"])
	d, ok := r.drive("eui.0")
	require.True(t, ok, "drives the previous agent made PDs stay ours")
	assert.Equal(t, stateConfirmed, d.State)
}
