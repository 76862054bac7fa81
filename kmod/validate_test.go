package kmod

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBuildScriptValidatesInputs: bad settings stop the build at once with a message naming
// the setting, what was wrong and what is allowed.
func TestBuildScriptValidatesInputs(t *testing.T) {
	script := writeScript(t)
	kernelDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(kernelDir, "Makefile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	nvidia := t.TempDir()
	valid := map[string]string{
		"KERNEL_FULL_VERSION":    "5.14.0-427.13.1.el9_4.x86_64",
		"KERNEL_BUILD_DIR":       kernelDir,
		"GRAID_DRIVER_VERSION":   "1.7.2",
		"GRAID_INSTALLER_URL":    "file:///nonexistent/installer.run",
		"GRAID_INSTALLER_SHA256": strings.Repeat("ab", 32),
		"NVIDIA_DRIVER_VERSION":  "550.90.07",
		"NVIDIA_SOURCE":          nvidia,
	}
	for _, tc := range []struct {
		name, reason string
		set          map[string]string // "" unsets
		args         []string
		want         string // regexp
	}{
		{
			name: "nothing-set", reason: "every missing setting is named at once",
			set: map[string]string{"KERNEL_FULL_VERSION": "", "GRAID_DRIVER_VERSION": "", "GRAID_INSTALLER_SHA256": "",
				"NVIDIA_DRIVER_VERSION": "", "NVIDIA_SOURCE": ""},
			want: `error: missing required setting\(s\): KERNEL_FULL_VERSION GRAID_DRIVER_VERSION GRAID_INSTALLER_SHA256 NVIDIA_DRIVER_VERSION NVIDIA_SOURCE \(set them as build args\)`,
		},
		{
			name: "sha256-short", reason: "a sha256 is 64 hex digits",
			set:  map[string]string{"GRAID_INSTALLER_SHA256": "abc123"},
			want: `error: GRAID_INSTALLER_SHA256 must be 64 hex digits \(sha256sum of the \.run\), got 'abc123'`,
		},
		{
			name: "sha256-not-hex", reason: "a sha256 is hex",
			set:  map[string]string{"GRAID_INSTALLER_SHA256": strings.Repeat("zz", 32)},
			want: `error: GRAID_INSTALLER_SHA256 must be 64 hex digits`,
		},
		{
			name: "nvidia-version-latest", reason: "the NVIDIA version must be exact, never a moving name",
			set:  map[string]string{"NVIDIA_DRIVER_VERSION": "latest"},
			want: `error: NVIDIA_DRIVER_VERSION must look like 550\.90\.07, got 'latest'`,
		},
		{
			name: "nvidia-version-branch", reason: "a driver branch alone is not a version",
			set:  map[string]string{"NVIDIA_DRIVER_VERSION": "550"},
			want: `error: NVIDIA_DRIVER_VERSION must look like 550\.90\.07, got '550'`,
		},
		{
			name: "kernel-path", reason: "the kernel release becomes a path component",
			set:  map[string]string{"KERNEL_FULL_VERSION": "../../etc"},
			want: `error: KERNEL_FULL_VERSION '\.\./\.\./etc' is not a kernel release name`,
		},
		{
			name: "url-and-path", reason: "the installer comes from one place",
			set:  map[string]string{"GRAID_INSTALLER_PATH": "/build/graid-installer.run"},
			want: `error: set only one of GRAID_INSTALLER_URL and GRAID_INSTALLER_PATH`,
		},
		{
			name: "no-installer", reason: "the installer must come from somewhere",
			set:  map[string]string{"GRAID_INSTALLER_URL": ""},
			want: `error: set GRAID_INSTALLER_URL \(download\) or GRAID_INSTALLER_PATH \(installer already in the build\)`,
		},
		{
			name: "nvidia-kernel-type", reason: "only NVIDIA's two kernel module flavours exist",
			set:  map[string]string{"NVIDIA_KERNEL_TYPE": "open"},
			want: `error: NVIDIA_KERNEL_TYPE must be 'kernel' or 'kernel-open', got 'open'`,
		},
		{
			name: "nvidia-source-absent", reason: "the NVIDIA source must be there",
			set:  map[string]string{"NVIDIA_SOURCE": "/nonexistent/nvidia"},
			want: `error: NVIDIA_SOURCE '/nonexistent/nvidia' does not exist`,
		},
		{
			name: "no-kernel-tree", reason: "the Driver Toolkit of the target kernel provides the build tree",
			set:  map[string]string{"KERNEL_BUILD_DIR": ""},
			want: `error: no kernel build tree for 5\.14\.0-427\.13\.1\.el9_4\.x86_64 at /lib/modules/5\.14\.0-427\.13\.1\.el9_4\.x86_64/build \(is this the Driver Toolkit image of that kernel\?\)`,
		},
		{
			name: "arguments", reason: "settings come from the environment only",
			args: []string{"--force"},
			want: `error: takes no arguments; configure it with environment variables`,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var env []string
			for k, v := range valid {
				if s, ok := tc.set[k]; ok {
					v = s
				}
				if v != "" {
					env = append(env, k+"="+v)
				}
			}
			for k, v := range tc.set {
				if _, ok := valid[k]; !ok && v != "" {
					env = append(env, k+"="+v)
				}
			}
			_, stderr, ok := callSnippet(t, script, scriptEnv(t, env...), `main "$@"`, tc.args...)
			if ok {
				t.Fatalf("%s: build.sh accepted the input", tc.reason)
			}
			if !regexp.MustCompile(`^graid-kmod-build: ` + tc.want).MatchString(stderr) {
				t.Errorf("%s: stderr does not start with %q:\n%s", tc.reason, tc.want, stderr)
			}
		})
	}
}
