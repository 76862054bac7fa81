package graidctlsim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDeleteNeedsConfirmation(t *testing.T) {
	s := newSim(t, &State{Licensed: true, VDFileBytes: 1 << 20})
	s.nvme("nvme0n1", "nvme1n1")
	s.mustRun("create", "pd", "/dev/nvme0-1")
	s.mustRun("create", "dg", "raid1", "0-1")
	s.mustRun("create", "vd", "0")

	cases := []struct {
		reason  string
		args    []string
		wantErr string
	}{
		{reason: "vd delete without confirmation is refused", args: []string{"del", "vd", "0", "0"}, wantErr: "--confirm-to-delete"},
		{reason: "dg delete without confirmation is refused", args: []string{"delete", "dg", "0"}, wantErr: "--confirm-to-delete"},
		{reason: "pd delete without confirmation is refused", args: []string{"del", "pd", "0-1"}, wantErr: "--confirm-to-delete"},
		{reason: "a DG with VDs cannot go", args: []string{"del", "dg", "0", "--confirm-to-delete"}, wantErr: "still has virtual drives"},
		{reason: "PDs in a DG cannot go", args: []string{"del", "pd", "0", "--confirm-to-delete"}, wantErr: "belongs to drive group"},
		{reason: "confirmed vd delete works", args: []string{"del", "vd", "0", "0", "--confirm-to-delete"}},
		{reason: "confirmed dg delete works", args: []string{"del", "dg", "0", "--confirm-to-delete"}},
		{reason: "confirmed pd delete works", args: []string{"del", "pd", "0-1", "--confirm-to-delete"}},
	}
	for _, tc := range cases {
		_, stderr, code := s.run(tc.args...)
		if tc.wantErr == "" && code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.reason, code, stderr)
		}
		if tc.wantErr != "" && (code == 0 || !strings.Contains(stderr, tc.wantErr)) {
			t.Errorf("%s: exit %d stderr %q, want %q", tc.reason, code, stderr, tc.wantErr)
		}
	}
	st := s.load()
	if len(st.PDs)+len(st.DGs)+len(st.VDs) != 0 {
		t.Errorf("everything should be deleted: %+v", st)
	}
	if _, err := os.Stat(filepath.Join(s.root, "dev/nvme1n1")); err != nil {
		t.Errorf("deleting a PD returns the SSD to the OS as /dev/nvme1n1: %v", err)
	}
}
