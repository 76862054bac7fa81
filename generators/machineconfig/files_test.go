package machineconfig

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/internal/testtool"
)

const udevRule = `ACTION=="add|change", SUBSYSTEM=="block", KERNEL=="gdg*", ENV{DEVTYPE}=="disk", ATTR{queue/scheduler}="none"`

func TestFiles(t *testing.T) {
	cases := map[string]struct {
		reason    string
		mutate    func(*config.SupremeRAID)
		wantPaths []string
	}{
		"defaults": {
			reason:    "the nouveau blacklist and the scheduler rule, prefixed with metadata.name",
			wantPaths: []string{"/etc/modprobe.d/graid-blacklist-nouveau.conf", "/etc/udev/rules.d/99-graid-supremeraid-scheduler.rules"},
		},
		"keep nouveau": {
			reason:    "blacklistNouveau: false writes no modprobe.d file",
			mutate:    func(c *config.SupremeRAID) { c.Spec.Kernel.BlacklistNouveau = ptr.To(false) },
			wantPaths: []string{"/etc/udev/rules.d/99-graid-supremeraid-scheduler.rules"},
		},
		"other name": {
			reason:    "two SupremeRAID configs in one cluster write different files",
			mutate:    func(c *config.SupremeRAID) { c.Name = "lab" },
			wantPaths: []string{"/etc/modprobe.d/lab-blacklist-nouveau.conf", "/etc/udev/rules.d/99-lab-supremeraid-scheduler.rules"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var paths []string
			for _, f := range Files(testConfig(t, tc.mutate)) {
				paths = append(paths, f.Path)
				if f.Mode != 0o644 {
					t.Errorf("%s: %s: mode %o, want 644", tc.reason, f.Path, f.Mode)
				}
				if !strings.HasSuffix(f.Contents, "\n") {
					t.Errorf("%s: %s must end with a newline", tc.reason, f.Path)
				}
			}
			if diff := cmp.Diff(tc.wantPaths, paths); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestFileContents(t *testing.T) {
	files := Files(testConfig(t, nil))
	cases := map[string]struct {
		reason string
		file   NodeFile
		lines  []string // the non-comment lines, exactly
	}{
		"nouveau": {
			reason: "blacklisted (no alias autoload) and, should it load anyway, without modesetting",
			file:   files[0],
			lines:  []string{"blacklist nouveau", "options nouveau modeset=0"},
		},
		"scheduler": {
			reason: "whole gdg disks (not partitions) get scheduler none when added or changed",
			file:   files[1],
			lines:  []string{udevRule},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []string
			for _, l := range strings.Split(strings.TrimSuffix(tc.file.Contents, "\n"), "\n") {
				if !strings.HasPrefix(l, "#") {
					got = append(got, l)
				}
			}
			if diff := cmp.Diff(tc.lines, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

// TestNouveauBlacklistWithModprobe hands the generated file to the real modprobe (kmod) as its
// only configuration and checks what it understood.
func TestNouveauBlacklistWithModprobe(t *testing.T) {
	modprobe := findTool(t, "modprobe", "kmod (make tools-apt)")
	dir := t.TempDir()
	f := Files(testConfig(t, nil))[0]
	if err := os.WriteFile(filepath.Join(dir, filepath.Base(f.Path)), []byte(f.Contents), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(modprobe, "--config", dir, "--showconfig").CombinedOutput()
	if err != nil {
		t.Fatalf("modprobe --showconfig: %v\n%s", err, out)
	}
	for _, want := range []string{"blacklist nouveau", "options nouveau modeset=0"} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("modprobe did not read %q from %s:\n%s", want, f.Path, out)
		}
	}
}

// findTool locates a command on PATH or in the sbin directories (testtool.Find).
func findTool(t *testing.T, name, pkg string) string {
	t.Helper()
	return testtool.Find(t, name, "", "install "+pkg)
}
