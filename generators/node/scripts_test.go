package node_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"supremeraid.dev/supremeraid-fn/generators/node"
)

// shippedScript returns the script a container of the generated DaemonSet runs with sh -c, and
// checks that it is the file in this directory byte for byte (the tests below run the file).
func shippedScript(t *testing.T, containerName, file string) string {
	t.Helper()
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	ds, _, _ := generated(t, loadConfig(t, nil))
	c := container(t, ds.Spec.Template.Spec, containerName)
	if len(c.Command) != 4 || c.Command[0] != "/bin/sh" || c.Command[1] != "-c" || c.Command[3] != containerName {
		t.Fatalf("%s command %q, want [/bin/sh -c <script> %s]", containerName, c.Command, containerName)
	}
	if c.Command[2] != string(want) {
		t.Fatalf("%s runs a script that differs from %s", containerName, file)
	}
	return c.Command[2]
}

// TestWaitModules runs the init container's script with the system's POSIX sh (dash on Debian,
// stricter than the image's bash) against a fake /sys/module.
func TestWaitModules(t *testing.T) {
	script := shippedScript(t, node.WaitModulesContainer, "wait-modules.sh")
	sh := requireTool(t, "dash", "apt-get install dash")
	cases := map[string]struct {
		reason   string
		loaded   []string
		wait     string
		wantCode int
		wantOut  []string // substrings of stdout+stderr
	}{
		"both loaded": {
			reason: "KMM has loaded both modules: start at once", loaded: []string{"graid", "graid_nvidia", "nvidia"}, wait: "600",
			wantOut: []string{"kernel module graid is loaded", "kernel module graid_nvidia is loaded"},
		},
		"nothing loaded": {
			reason: "the bounded wait ends with a message that says where to look, and a failure so the pod restarts",
			wait:   "0", wantCode: 1,
			wantOut: []string{"kernel module graid is not loaded after 0s", "oc get modules,pods -n supremeraid", "exiting so the pod restarts"},
		},
		"graid_nvidia missing": {
			reason: "graid alone is not enough: graid_nvidia binds graid to the GPU",
			loaded: []string{"graid"}, wait: "0", wantCode: 1,
			wantOut: []string{"kernel module graid is loaded", "kernel module graid_nvidia is not loaded"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for _, m := range tc.loaded {
				if err := os.Mkdir(filepath.Join(dir, m), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(sh, "-c", script, node.WaitModulesContainer)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "SYS_MODULE_DIR=" + dir, "MODULE_WAIT_SECONDS=" + tc.wait, "KMM_NAMESPACE=supremeraid"}
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tc.wantCode {
				t.Errorf("%s\nexit %d, want %d; output:\n%s", tc.reason, code, tc.wantCode, indent(out.String()))
			}
			for _, w := range tc.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("%s\noutput lacks %q:\n%s", tc.reason, w, indent(out.String()))
				}
			}
		})
	}
}

// TestShellcheck lints every script the node family ships: the two the DaemonSet runs with
// /bin/sh and the build's userspace.sh (bash, following its source of kmod/build.sh).
func TestShellcheck(t *testing.T) {
	shellcheck := requireTool(t, "shellcheck", "make tools-apt")
	cases := []struct {
		reason string
		args   []string
	}{
		{"the init container's script runs under /bin/sh", []string{"--shell=sh", "wait-modules.sh"}},
		{"the build script is bash and sources kmod/build.sh", []string{"--shell=bash", "--external-sources", "--source-path=SCRIPTDIR", "userspace.sh"}},
	}
	for _, tc := range cases {
		out, err := exec.Command(shellcheck, append([]string{"--severity=style"}, tc.args...)...).CombinedOutput()
		if err != nil {
			t.Errorf("%s: shellcheck %v: %v\n%s", tc.reason, tc.args, err, out)
		}
	}
}
