package node_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

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
// stricter than the image's bash) against a fake /sys/module and a fake build record as KMM's
// firmwarePath leaves it on the node.
func TestWaitModules(t *testing.T) {
	script := shippedScript(t, node.WaitModulesContainer, "wait-modules.sh")
	sh := requireTool(t, "dash", "apt-get install dash")
	const (
		newGraid  = "A1B2C3D4E5F6A7B8C9D0E1F"
		newNvidia = "0123456789ABCDEF0123456"
		oldGraid  = "FFFFFFFFFFFFFFFFFFFFFFF"
		record    = "DKMS_PACKAGE=graid/1.7.2\nMODULES=graid graid_nvidia\nSRCVERSION_graid=" + newGraid + "\nSRCVERSION_graid_nvidia=" + newNvidia + "\n"
	)
	cases := map[string]struct {
		reason  string
		loaded  map[string]string // module -> srcversion ("" = no srcversion file)
		record  *string           // nil: no record on the node
		later   map[string]string // loaded after a second (the wait then ends)
		wait    string
		wantErr bool
		wantOut []string // substrings of stdout+stderr
		notOut  []string
	}{
		"match": {
			reason: "KMM has loaded this image's modules: start at once",
			loaded: map[string]string{"graid": newGraid, "graid_nvidia": newNvidia, "nvidia": "X"}, record: ptr.To(record), wait: "600",
			wantOut: []string{"kernel module graid is loaded with srcversion " + newGraid, "kernel module graid_nvidia is loaded with srcversion " + newNvidia},
		},
		"record without a final newline": {
			reason: "the last line counts even without its newline",
			loaded: map[string]string{"graid": newGraid, "graid_nvidia": newNvidia}, record: ptr.To(strings.TrimSuffix(record, "\n")), wait: "0",
			wantOut: []string{"kernel module graid_nvidia is loaded with srcversion " + newNvidia},
		},
		"old build still loaded": {
			reason: "KMM's unloader retries while the old modules are in use: the new pod must not start on them",
			loaded: map[string]string{"graid": oldGraid, "graid_nvidia": newNvidia}, record: ptr.To(record), wait: "0", wantErr: true,
			wantOut: []string{"kernel module graid is loaded with srcversion " + oldGraid + ", but the kmod image's build record says " + newGraid,
				"not ready after 0s", "oc get modules,pods -n supremeraid", "exiting so the pod restarts"},
		},
		"no srcversion in sysfs": {
			reason: "a loaded module without srcversion cannot be proven to be this build",
			loaded: map[string]string{"graid": "", "graid_nvidia": newNvidia}, record: ptr.To(record), wait: "0", wantErr: true,
			wantOut: []string{"kernel module graid is loaded with srcversion <none>"},
		},
		"no record": {
			reason: "modules loaded but no record (KMM has not copied it, or removed it before unloading): wait, never go",
			loaded: map[string]string{"graid": newGraid, "graid_nvidia": newNvidia}, wait: "0", wantErr: true,
			wantOut: []string{"no build record at ", "not ready after 0s"}, notOut: []string{"is loaded with"},
		},
		"record lacks a srcversion": {
			reason: "a record that does not name graid_nvidia's srcversion proves nothing about it",
			loaded: map[string]string{"graid": newGraid, "graid_nvidia": newNvidia}, record: ptr.To("MODULES=graid\nSRCVERSION_graid=" + newGraid + "\n"),
			wait: "0", wantErr: true, wantOut: []string{"has no SRCVERSION_graid_nvidia"},
		},
		"graid_nvidia missing": {
			reason: "graid alone is not enough: graid_nvidia binds graid to the GPU",
			loaded: map[string]string{"graid": newGraid}, record: ptr.To(record), wait: "0", wantErr: true,
			wantOut: []string{"kernel module graid_nvidia is not loaded"},
		},
		"nothing loaded": {
			reason: "the bounded wait ends with a message that says where to look, and a failure so the pod restarts",
			record: ptr.To(record), wait: "0", wantErr: true,
			wantOut: []string{"kernel module graid is not loaded", "exiting so the pod restarts"},
		},
		"new build loaded while waiting": {
			reason: "the wait ends as soon as KMM has swapped the old modules for the recorded ones",
			loaded: map[string]string{"graid": oldGraid, "graid_nvidia": newNvidia}, record: ptr.To(record),
			later: map[string]string{"graid": newGraid}, wait: "30",
			wantOut: []string{"waiting: kernel module graid is loaded with srcversion " + oldGraid, "kernel module graid is loaded with srcversion " + newGraid + " as the build record says"},
		},
	}
	load := func(t *testing.T, dir string, mods map[string]string) {
		for m, v := range mods {
			require.NoError(t, os.MkdirAll(filepath.Join(dir, m), 0o755))
			if v != "" {
				require.NoError(t, os.WriteFile(filepath.Join(dir, m, "srcversion"), []byte(v+"\n"), 0o444))
			}
		}
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			sys, fw := t.TempDir(), t.TempDir()
			load(t, sys, tc.loaded)
			recordFile := filepath.Join(fw, "supremeraid", "BUILD-INFO")
			if tc.record != nil {
				require.NoError(t, os.MkdirAll(filepath.Dir(recordFile), 0o755))
				require.NoError(t, os.WriteFile(recordFile, []byte(*tc.record), 0o644))
			}
			cmd := exec.Command(sh, "-c", script, node.WaitModulesContainer)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "SYS_MODULE_DIR=" + sys, "RECORD_FILE=" + recordFile,
				"MODULE_WAIT_SECONDS=" + tc.wait, "MODULE_POLL_SECONDS=1", "KMM_NAMESPACE=supremeraid"}
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			require.NoError(t, cmd.Start())
			if tc.later != nil {
				time.Sleep(1500 * time.Millisecond)
				load(t, sys, tc.later)
			}
			err := cmd.Wait()
			if tc.wantErr {
				var ee *exec.ExitError
				require.ErrorAs(t, err, &ee, "%s\noutput:\n%s", tc.reason, out.String())
				assert.Equal(t, 1, ee.ExitCode(), tc.reason)
			} else {
				assert.NoError(t, err, "%s\noutput:\n%s", tc.reason, out.String())
			}
			for _, w := range tc.wantOut {
				assert.Contains(t, out.String(), w, tc.reason)
			}
			for _, w := range tc.notOut {
				assert.NotContains(t, out.String(), w, tc.reason)
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
