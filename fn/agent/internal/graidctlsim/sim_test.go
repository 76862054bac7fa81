package graidctlsim

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// sim is one simulated host: a device root and a state file.
type sim struct {
	t     *testing.T
	root  string
	state string
}

func newSim(t *testing.T, st *State) *sim {
	t.Helper()
	dir := t.TempDir()
	s := &sim{t: t, root: filepath.Join(dir, "host"), state: filepath.Join(dir, "state.json")}
	if st == nil {
		st = &State{}
	}
	if err := st.Save(s.state); err != nil {
		t.Fatal(err)
	}
	return s
}

func (s *sim) run(args ...string) (string, string, int) {
	s.t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(args, s.state, s.root, &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

func (s *sim) mustRun(args ...string) string {
	s.t.Helper()
	out, errOut, code := s.run(args...)
	if code != 0 {
		s.t.Fatalf("graidctl %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func (s *sim) load() *State {
	s.t.Helper()
	st, err := LoadState(s.state)
	if err != nil {
		s.t.Fatal(err)
	}
	return st
}

func (s *sim) nvme(names ...string) {
	s.t.Helper()
	for _, n := range names {
		if err := AddNVMe(s.root, n, "eui."+n, 0); err != nil {
			s.t.Fatal(err)
		}
	}
}

func TestSyntaxErrors(t *testing.T) {
	cases := map[string]struct {
		reason  string
		args    []string
		wantErr string
	}{
		"no command":      {reason: "an empty command line is a usage error", args: nil, wantErr: "missing command"},
		"unknown verb":    {reason: "typos must fail, not be ignored", args: []string{"crate", "pd"}, wantErr: `unknown command "crate"`},
		"unknown flag":    {reason: "unknown flags fail like a real CLI", args: []string{"ls", "pd", "--json"}, wantErr: "unknown flag --json"},
		"bad format":      {reason: "only json and table formats exist", args: []string{"ls", "pd", "--format", "yaml"}, wantErr: "invalid --format"},
		"format no value": {reason: "a flag missing its value is an error", args: []string{"ls", "pd", "--format"}, wantErr: "needs a value"},
		"ls unknown kind": {reason: "ls needs a known component", args: []string{"ls", "disks"}, wantErr: "usage: graidctl ls"},
		"apply no key":    {reason: "apply license needs the key", args: []string{"apply", "license"}, wantErr: "apply license <KEY>"},
		"dg-id on pd":     {reason: "--dg-id only filters dg and vd", args: []string{"ls", "pd", "--dg-id", "0"}, wantErr: "--dg-id applies"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := newSim(t, nil)
			_, stderr, code := s.run(tc.args...)
			if code == 0 || !strings.Contains(stderr, tc.wantErr) {
				t.Errorf("%s\nexit %d, stderr %q, want non-zero and %q", tc.reason, code, stderr, tc.wantErr)
			}
			if !strings.Contains(stderr, "Usage: graidctl") {
				t.Errorf("%s\nerrors should print the usage", tc.reason)
			}
		})
	}
}

func TestLicense(t *testing.T) {
	s := newSim(t, &State{LicenseKeys: []string{"GOOD-KEY"}})
	s.nvme("nvme0n1")
	if _, stderr, code := s.run("create", "pd", "/dev/nvme0n1"); code == 0 || !strings.Contains(stderr, "license") {
		t.Errorf("create without a license must fail naming the license, got exit %d %q", code, stderr)
	}
	if out := s.mustRun("ls", "cx", "--format", "json"); !strings.Contains(out, `"State":"NO_LICENSE"`) {
		t.Errorf("unlicensed controller must not be ONLINE: %s", out)
	}
	if _, _, code := s.run("apply", "license", "BAD-KEY"); code == 0 {
		t.Error("a key not in licenseKeys must be rejected")
	}
	s.mustRun("apply", "license", "GOOD-KEY")
	if out := s.mustRun("ls", "cx", "--format", "json"); out != `{"Result":[{"ControllerId":0,"State":"ONLINE"}]}`+"\n" {
		t.Errorf("licensed controller output = %q", out)
	}
	st := s.load()
	for _, line := range st.Log {
		if strings.Contains(line, "GOOD-KEY") || strings.Contains(line, "BAD-KEY") {
			t.Errorf("license keys must be redacted from the log, got %q", line)
		}
	}
}

func TestFailOnce(t *testing.T) {
	s := newSim(t, &State{Licensed: true, FailOnce: []string{"ls pd"}})
	if _, stderr, code := s.run("ls", "pd", "--format", "json"); code == 0 || !strings.Contains(stderr, "simulated failure") {
		t.Fatalf("first matching command must fail, got exit %d %q", code, stderr)
	}
	s.mustRun("ls", "pd", "--format", "json")
	if st := s.load(); len(st.FailOnce) != 0 || len(st.Log) != 2 {
		t.Errorf("failure must fire once and both calls be logged: %+v", st)
	}
}

func TestMainNeedsState(t *testing.T) {
	t.Setenv(EnvState, "")
	var stderr bytes.Buffer
	if code := Main([]string{"version"}, &bytes.Buffer{}, &stderr); code == 0 || !strings.Contains(stderr.String(), EnvState) {
		t.Errorf("Main without %s must fail naming it, got %d %q", EnvState, code, stderr.String())
	}
	dir := t.TempDir()
	t.Setenv(EnvState, filepath.Join(dir, "s.json"))
	var stdout bytes.Buffer
	if code := Main([]string{"version"}, &stdout, &stderr); code != 0 {
		t.Fatalf("version: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(dir, "s.json")); err != nil {
		t.Errorf("state file must be created on first use: %v", err)
	}
}

func TestImportAfterReboot(t *testing.T) {
	s := newSim(t, nil)
	s.nvme("nvme0n1")
	s.nvme("nvme1n1")
	s.mustRun("apply", "license", "K")
	s.mustRun("create", "pd", "/dev/nvme0-1")
	s.mustRun("create", "dg", "raid0", "0-1")
	if err := Reboot(s.state, s.root, 2); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(s.root, "dev/nvme0n1")); err != nil {
		t.Fatalf("before import the SSD's NVMe node is back: %v", err)
	}
	for i := 0; i < 2; i++ {
		if out := s.mustRun("ls", "pd", "--format", "json"); out != `{"Result":[]}`+"\n" {
			t.Errorf("while importing, ls pd lists nothing, got %s", out)
		}
	}
	if out := s.mustRun("ls", "pd", "--format", "json"); !strings.Contains(out, `"Wwid":"eui.nvme0n1"`) {
		t.Errorf("after import the PD is listed again, got %s", out)
	}
	if _, err := os.Stat(filepath.Join(s.root, "dev/nvme0n1")); err == nil {
		t.Error("after import graid has claimed the SSD: its NVMe node is gone")
	}
}

func TestVDNodeAppearsLater(t *testing.T) {
	s := newSim(t, &State{VDNodeDelay: 2, VDFileBytes: 1 << 20})
	s.nvme("nvme0n1")
	s.nvme("nvme1n1")
	s.mustRun("apply", "license", "K")
	s.mustRun("create", "pd", "/dev/nvme0-1")
	s.mustRun("create", "dg", "raid0", "0-1")
	s.mustRun("create", "vd", "0")
	node := filepath.Join(s.root, "dev/gdg0n1")
	if _, err := os.Stat(node); err == nil {
		t.Fatal("the VD node must not exist right after create vd")
	}
	s.mustRun("ls", "vd")
	s.mustRun("ls", "vd")
	if _, err := os.Stat(node); err != nil {
		t.Errorf("the VD node must appear after the delay: %v", err)
	}
}

func TestListNVMeDrives(t *testing.T) {
	s := newSim(t, &State{Licensed: true})
	s.nvme("nvme0n1", "nvme1n1")
	s.mustRun("create", "pd", "/dev/nvme0n1")
	out := s.mustRun("ls", "nd", "--format", "json")
	if out != `{"Result":[{"DevPath":"/dev/nvme1n1","Wwid":"eui.nvme1n1"}]}`+"\n" {
		t.Errorf("ls nd lists the namespaces graid has not claimed, by DevPath; got %s", out)
	}
}

func TestCreatePrompts(t *testing.T) {
	cases := []struct {
		reason string
		answer string
		ok     bool
	}{
		{"no answer (no stdin, as the agent runs it) aborts", "", false},
		{"anything but yes aborts", "n\n", false},
		{"yes goes on", "y\n", true},
	}
	for _, tc := range cases {
		s := newSim(t, &State{Licensed: true, Prompt: true})
		s.nvme("nvme0n1")
		stdin = strings.NewReader(tc.answer)
		_, stderr, code := s.run("create", "pd", "/dev/nvme0n1")
		stdin = os.Stdin
		if (code == 0) != tc.ok {
			t.Errorf("%s: exit %d %s", tc.reason, code, stderr)
		}
		if !tc.ok && !strings.Contains(stderr, "aborted") {
			t.Errorf("%s: stderr %q", tc.reason, stderr)
		}
	}
}
