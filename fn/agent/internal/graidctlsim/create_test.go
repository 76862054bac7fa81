package graidctlsim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreatePD(t *testing.T) {
	cases := map[string]struct {
		reason   string
		present  []string
		args     []string
		wantErr  string
		wantPDs  int
		wantGone []string
	}{
		"single": {
			reason:  "one namespace becomes /dev/gpd0 and its NVMe node disappears",
			present: []string{"nvme0n1"}, args: []string{"/dev/nvme0n1"},
			wantPDs: 1, wantGone: []string{"nvme0n1"},
		},
		"range": {
			reason:  "the documented /dev/nvme0-3 range covers nvme0n1..nvme3n1",
			present: []string{"nvme0n1", "nvme1n1", "nvme2n1", "nvme3n1"}, args: []string{"/dev/nvme0-3"},
			wantPDs: 4, wantGone: []string{"nvme0n1", "nvme3n1"},
		},
		"missing": {
			reason:  "a device that does not exist fails and nothing is created",
			present: []string{"nvme0n1"}, args: []string{"/dev/nvme0n1", "/dev/nvme1n1"},
			wantErr: "/dev/nvme1n1 not found",
		},
		"not nvme": {
			reason: "only NVMe namespace paths and ranges are accepted",
			args:   []string{"/dev/sda"}, wantErr: "unsupported device",
		},
		"duplicate": {
			reason:  "the same SSD cannot become two PDs",
			present: []string{"nvme0n1"}, args: []string{"/dev/nvme0n1", "/dev/nvme0n1"},
			wantErr: "already a physical drive",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := newSim(t, &State{Licensed: true})
			s.nvme(tc.present...)
			_, stderr, code := s.run(append([]string{"create", "pd"}, tc.args...)...)
			st := s.load()
			if tc.wantErr != "" {
				if code == 0 || !strings.Contains(stderr, tc.wantErr) {
					t.Fatalf("%s\nexit %d stderr %q, want error %q", tc.reason, code, stderr, tc.wantErr)
				}
				if len(st.PDs) != 0 {
					t.Errorf("%s\nfailed create must not leave PDs: %+v", tc.reason, st.PDs)
				}
				return
			}
			if code != 0 {
				t.Fatalf("%s\nexit %d: %s", tc.reason, code, stderr)
			}
			if len(st.PDs) != tc.wantPDs {
				t.Errorf("%s\ngot %d PDs, want %d", tc.reason, len(st.PDs), tc.wantPDs)
			}
			for _, g := range tc.wantGone {
				if _, err := os.Stat(filepath.Join(s.root, "dev", g)); !os.IsNotExist(err) {
					t.Errorf("%s\n/dev/%s must be gone after create pd (err=%v)", tc.reason, g, err)
				}
			}
			if _, err := os.Stat(filepath.Join(s.root, "dev/gpd0")); err != nil {
				t.Errorf("%s\n/dev/gpd0 must exist: %v", tc.reason, err)
			}
		})
	}
}

func TestCreateDGAndVD(t *testing.T) {
	s := newSim(t, &State{Licensed: true, VDFileBytes: 1 << 20})
	s.nvme("nvme0n1", "nvme1n1", "nvme2n1", "nvme3n1")
	s.mustRun("create", "pd", "/dev/nvme0-3")

	cases := []struct {
		reason  string
		args    []string
		wantErr string
	}{
		{reason: "raid6 needs four drives", args: []string{"create", "dg", "raid6", "0-2"}, wantErr: "raid6 needs at least 4"},
		{reason: "unknown levels are rejected", args: []string{"create", "dg", "raid7", "0-3"}, wantErr: "unsupported RAID level"},
		{reason: "PD ids must exist", args: []string{"create", "dg", "raid5", "0-4"}, wantErr: "physical drive 4 does not exist"},
		{reason: "a valid raid5 over 0-3 succeeds", args: []string{"create", "dg", "raid5", "0-3"}},
		{reason: "PDs cannot join a second group", args: []string{"create", "dg", "raid1", "0-1"}, wantErr: "already belongs to drive group 0"},
		{reason: "VDs need an existing drive group", args: []string{"create", "vd", "3"}, wantErr: "does not exist"},
		{reason: "sizes are whole numbers with a unit", args: []string{"create", "vd", "0", "1.5T"}, wantErr: "invalid size"},
		{reason: "a sized VD is created", args: []string{"create", "vd", "0", "100G"}},
		{reason: "a VD without size takes the rest", args: []string{"create", "vd", "0"}},
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
	out := s.mustRun("ls", "vd", "--format", "json")
	want := `{"Result":[{"DgId":0,"VdId":0,"DevicePath":"/dev/gdg0n1","Size":"100G","State":"OPTIMAL"},` +
		`{"DgId":0,"VdId":1,"DevicePath":"/dev/gdg0n2","Size":"ALL","State":"OPTIMAL"}]}` + "\n"
	if out != want {
		t.Errorf("ls vd json:\n got %s\nwant %s", out, want)
	}
	// A new group initialises in the background for two listings, then is OPTIMAL.
	for _, want := range []string{"INIT", "INIT", "OPTIMAL"} {
		if out := s.mustRun("ls", "dg", "--format", "json"); out != `{"Result":[{"DgId":0,"Mode":"RAID5","State":"`+want+`"}]}`+"\n" {
			t.Errorf("ls dg json = %s, want state %s", out, want)
		}
	}
	if out := s.mustRun("ls", "pd", "--format", "json"); !strings.Contains(out, `{"PdId":0,"DgId":0,"DevicePath":"/dev/gpd0","Wwid":"eui.nvme0n1","State":"ONLINE"}`) {
		t.Errorf("ls pd json = %s", out)
	}
	fi, err := os.Stat(filepath.Join(s.root, "dev/gdg0n1"))
	if err != nil || fi.Size() != 1<<20 {
		t.Errorf("VD backing file: %v size %v, want %d bytes", err, fi, 1<<20)
	}
	if out := s.mustRun("ls", "vd", "--dg-id", "1", "--format", "json"); out != `{"Result":[]}`+"\n" {
		t.Errorf("--dg-id filter must drop other groups, got %s", out)
	}
	if out := s.mustRun("ls", "pd"); !strings.Contains(out, "NQN/WWID") {
		t.Errorf("without --format json the output is a table, got %q", out)
	}
}

func TestVDLink(t *testing.T) {
	s := newSim(t, &State{Licensed: true, VDLinks: map[string]string{"/dev/gdg0n1": "/dev/loop42"}})
	s.nvme("nvme0n1")
	s.nvme("nvme1n1")
	s.mustRun("create", "pd", "/dev/nvme0-1")
	s.mustRun("create", "dg", "raid0", "0-1")
	s.mustRun("create", "vd", "0")
	target, err := os.Readlink(filepath.Join(s.root, "dev/gdg0n1"))
	if err != nil || target != "/dev/loop42" {
		t.Errorf("vdLinks must make the VD node a symlink to the block device, got %q %v", target, err)
	}
}
