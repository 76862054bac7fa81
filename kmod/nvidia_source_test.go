package kmod

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestNvidiaSourceVersion reads the driver version from the layouts NVIDIA ships: the .run's
// kernel/Kbuild (older EXTRA_CFLAGS and newer ccflags-y forms) and open-gpu-kernel-modules'
// version.mk beside kernel-open/.
func TestNvidiaSourceVersion(t *testing.T) {
	script := writeScript(t)
	for _, tc := range []struct {
		name, reason string
		files        map[string]string // relative to the tree root
		kernelDir    string            // the directory passed, relative to the root
		want         string            // version, or error regexp when wantErr
		wantErr      bool
	}{
		{
			name: "run-kbuild-extra-cflags", reason: "NVIDIA .run kernel/Kbuild up to 550",
			files:     map[string]string{"kernel/Kbuild": "EXTRA_CFLAGS += -I$(src)\nEXTRA_CFLAGS += -DNV_VERSION_STRING=\\\"550.90.07\\\"\n"},
			kernelDir: "kernel", want: "550.90.07",
		},
		{
			name: "run-kbuild-ccflags", reason: "newer Kbuilds use ccflags-y",
			files:     map[string]string{"kernel-open/Kbuild": "ccflags-y += -DNV_VERSION_STRING=\\\"570.133.20\\\"\n"},
			kernelDir: "kernel-open", want: "570.133.20",
		},
		{
			name: "open-repo-version-mk", reason: "open-gpu-kernel-modules keeps the version in ../version.mk",
			files:     map[string]string{"version.mk": "NVIDIA_VERSION = 580.95.05\nNVIDIA_NVID_VERSION = 580.95.05\n", "kernel-open/Kbuild": "obj-m :=\n"},
			kernelDir: "kernel-open", want: "580.95.05",
		},
		{
			name: "no-version", reason: "an unversioned tree cannot be checked, so it is refused",
			files:     map[string]string{"kernel/Kbuild": "obj-m :=\n"},
			kernelDir: "kernel", wantErr: true,
			want: `error: cannot tell the NVIDIA version of the source at \S+/kernel: no NV_VERSION_STRING in Kbuild and no NVIDIA_VERSION in version\.mk`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			for name, content := range tc.files {
				p := filepath.Join(root, name)
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			stdout, stderr, ok := callSnippet(t, script, scriptEnv(t), `nvidia_source_version "$1"`, filepath.Join(root, tc.kernelDir))
			if tc.wantErr {
				if ok || !regexp.MustCompile(tc.want).MatchString(stderr) {
					t.Errorf("%s: ok=%v, stderr %q, want error %q", tc.reason, ok, stderr, tc.want)
				}
				return
			}
			if !ok || strings.TrimSpace(stdout) != tc.want {
				t.Errorf("%s: got %q (ok=%v, stderr %q), want %q", tc.reason, stdout, ok, stderr, tc.want)
			}
		})
	}
}

// TestResolveNvidiaSource picks the flavour directory the cluster loads from a directory or an
// NVIDIA-like .run (unpacked, not executed), and checks its version.
func TestResolveNvidiaSource(t *testing.T) {
	f := getFixture(t)
	script := writeScript(t)
	for _, tc := range []struct {
		name, reason, source string
		wantSuffix           string
	}{
		{"directory", "a source directory holding kernel/", f.nvidiaDir, "/nvidia/kernel"},
		{"run", "an NVIDIA .run is unpacked into the work dir", f.nvidiaRun, "/work/nvidia/kernel"},
		{"kernel-dir", "a path straight to the kernel/ directory", filepath.Join(f.nvidiaDir, "kernel"), "/nvidia/kernel"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			work := filepath.Join(t.TempDir(), "work")
			env := scriptEnv(t, "NVIDIA_SOURCE="+tc.source, "NVIDIA_DRIVER_VERSION="+fixtureNvidiaVersion, "NVIDIA_KERNEL_TYPE=kernel")
			stdout, stderr, ok := callSnippet(t, script, env, `resolve_nvidia_source "$1"`, work)
			got := strings.TrimSpace(stdout)
			if !ok || !strings.HasSuffix(got, tc.wantSuffix) {
				t.Fatalf("%s: got %q (ok=%v), want a path ending in %s\n%s", tc.reason, got, ok, tc.wantSuffix, stderr)
			}
			if _, err := os.Stat(filepath.Join(got, "common", "inc", "nv-fixture.h")); err != nil {
				t.Errorf("%s: resolved directory lacks the source: %v", tc.reason, err)
			}
		})
	}
}
