package agent

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
)

func TestMainUsage(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"license":{"keyFile":"rel"},"driveGroups":[{"raidLevel":"raid9","physicalDrives":[],"virtualDrives":[]}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason   string
		args     []string
		wantCode int
		wantErr  []string
	}{
		"help":         {reason: "--help prints usage and succeeds", args: []string{"--help"}, wantCode: 0, wantErr: []string{"Usage: supremeraid-fn node", "-layout"}},
		"no layout":    {reason: "--layout is required", args: nil, wantCode: 2, wantErr: []string{"--layout is required"}},
		"extra args":   {reason: "positional arguments are a mistake", args: []string{"--layout", bad, "x"}, wantCode: 2, wantErr: []string{"unexpected arguments"}},
		"bad flag":     {reason: "unknown flags fail", args: []string{"--layuot", bad}, wantCode: 2, wantErr: []string{"flag provided but not defined"}},
		"missing":      {reason: "an unreadable layout file is a usage error", args: []string{"--layout", dir + "/nope"}, wantCode: 2, wantErr: []string{"no such file"}},
		"bad layout":   {reason: "every layout error is printed with its field path", args: []string{"--layout", bad}, wantCode: 2, wantErr: []string{"license.keyFile: must be an absolute path", `driveGroups[0].raidLevel: must be one of`, "driveGroups[0].virtualDrives: at least one"}},
		"bad interval": {reason: "a zero interval would spin", args: []string{"--layout", bad, "--interval", "0s"}, wantCode: 2, wantErr: []string{"must be positive"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(tc.args, &stdout, &stderr)
			if code != tc.wantCode {
				t.Errorf("%s: exit %d, want %d\n%s", tc.reason, code, tc.wantCode, stderr.String())
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("%s: stderr lacks %q:\n%s", tc.reason, w, stderr.String())
				}
			}
		})
	}
}

func TestMainOnceRefused(t *testing.T) {
	e := newEnv(t, &graidctlsim.State{Licensed: true}, allNVMe[:3]...)
	l := simLayout(t, e.keyFile)
	b, err := os.ReadFile("testdata/layout-sim.json")
	if err != nil {
		t.Fatal(err)
	}
	layoutPath := filepath.Join(e.dir, "layout.json")
	if err := os.WriteFile(layoutPath, []byte(strings.Replace(string(b), "/replaced/by/test", l.License.KeyFile, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(asGraidctlEnv, "1")
	t.Setenv(graidctlsim.EnvState, e.statePath)
	t.Setenv(graidctlsim.EnvRoot, e.nodeRoot)
	ready := filepath.Join(e.dir, "ready")
	var stdout, stderr bytes.Buffer
	code := Main([]string{"--once", "--layout", layoutPath, "--graidctl", exe, "--host-root", e.hostRoot,
		"--dev-root", e.nodeRoot, "--sys-root", e.nodeRoot, "--mountinfo", e.mountInfo, "--ready-file", ready}, &stdout, &stderr)
	if code != 1 {
		t.Errorf("a refused node exits 1, got %d", code)
	}
	if !strings.Contains(stderr.String(), "REFUSED: driveGroups[0].physicalDrives[3]: device /dev/nvme3n1 not found") {
		t.Errorf("the refusal must be on stderr:\n%s", stderr.String())
	}
	if _, err := os.Stat(ready); !os.IsNotExist(err) {
		t.Errorf("no ready file for a refused node (err=%v)", err)
	}
}

// TestTwoAgentsOneNode: a second agent on the same host root waits for the host lock and, if
// the first never lets go, gives up without touching anything.
func TestTwoAgentsOneNode(t *testing.T) {
	e := newEnv(t, nil, allNVMe...)
	l := simLayout(t, e.keyFile)
	layoutJSON := filepath.Join(e.dir, "layout.json")
	writeJSON(t, layoutJSON, l)
	first, err := AcquireHostLock(context.Background(), e.deps(), 0)
	require.NoError(t, err)
	exe, err := os.Executable()
	require.NoError(t, err)
	t.Setenv(asGraidctlEnv, "1")
	t.Setenv(graidctlsim.EnvState, e.statePath)
	t.Setenv(graidctlsim.EnvRoot, e.nodeRoot)
	args := []string{"--once", "--layout", layoutJSON, "--graidctl", exe, "--host-root", e.hostRoot,
		"--dev-root", e.nodeRoot, "--sys-root", e.nodeRoot, "--mountinfo", e.mountInfo, "--lock-wait", "300ms"}
	var stderr bytes.Buffer
	code := Main(args, io.Discard, &stderr)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr.String(), "another node agent holds the host lock")
	assert.Empty(t, e.state().Log, "the second agent must not run graidctl at all")

	first.Release()
	stderr.Reset()
	// This run uses the real mount(8) (Main has no test mounter): unmount what it mounts.
	t.Cleanup(func() {
		for _, v := range l.DriveGroups[0].VirtualDrives {
			_ = exec.Command("umount", filepath.Join(e.hostRoot, v.MountPath)).Run()
		}
	})
	Main(args, io.Discard, &stderr)
	assert.NotContains(t, stderr.String(), "host lock", "once released, the next agent runs")
	assert.NotEmpty(t, e.state().Log)
}
