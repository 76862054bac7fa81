package node_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"supremeraid.dev/supremeraid-fn/generators/node"
)

const fixtureVersion = "1.7.2"

// installer is one fixture installer: a makeself .run holding an RPM built from
// testdata/fixture.
type installer struct {
	path, sha256 string
}

var (
	fixtureMu    sync.Mutex
	fixtureCache = map[string]installer{}
)

// buildInstaller packs testdata/fixture into an RPM (leaving out omit, if set) and the RPM
// into a makeself .run, once per variant and test binary.
func buildInstaller(t *testing.T, omit string) installer {
	t.Helper()
	rpmbuild := requireTool(t, "rpmbuild", "make tools-apt")
	makeself := requireTool(t, "makeself", "make tools-apt")
	fixtureMu.Lock()
	defer fixtureMu.Unlock()
	if in, ok := fixtureCache[omit]; ok {
		return in
	}
	src, err := filepath.Abs("testdata/fixture")
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: the installer outlives the first test that asks for it.
	root, err := os.MkdirTemp("", "node-fixture-")
	if err != nil {
		t.Fatal(err)
	}
	fixtureDirs = append(fixtureDirs, root)
	args := []string{"-bb", "--quiet",
		"--define", "_topdir " + filepath.Join(root, "rpmbuild"),
		"--define", "fixture_dir " + src,
		"--define", "fixture_version " + fixtureVersion,
		filepath.Join(src, "graid-node-fixture.spec")}
	if omit != "" {
		args = append([]string{"--define", "omit " + omit}, args...)
	}
	if out, err := exec.Command(rpmbuild, args...).CombinedOutput(); err != nil {
		t.Fatalf("rpmbuild: %v\n%s", err, out)
	}
	rpms, _ := filepath.Glob(filepath.Join(root, "rpmbuild/RPMS/noarch/*.rpm"))
	if len(rpms) != 1 {
		t.Fatalf("rpmbuild made %v", rpms)
	}
	payload := filepath.Join(root, "payload")
	if err := os.MkdirAll(payload, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{rpms[0], filepath.Join(src, "setup.sh")} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(payload, filepath.Base(f)), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	run := filepath.Join(root, "graid-sr-installer-"+fixtureVersion+"-010-x86_64.run")
	cmd := exec.Command(makeself, "--gzip", "--quiet", payload, run, "SupremeRAID fixture installer", "./setup.sh")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("makeself: %v\n%s", err, out)
	}
	b, err := os.ReadFile(run)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	in := installer{path: run, sha256: hex.EncodeToString(sum[:])}
	fixtureCache[omit] = in
	return in
}

var fixtureDirs []string

func TestMain(m *testing.M) {
	code := m.Run()
	for _, d := range fixtureDirs {
		os.RemoveAll(d)
	}
	os.Exit(code)
}

// buildContext writes the build ConfigMap's files into a directory, as the OpenShift build does
// with source.configMaps, and returns it.
func buildContext(t *testing.T) string {
	t.Helper()
	img, err := node.NodeImage(loadConfig(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for k, v := range img.ConfigMap.Data {
		if err := os.WriteFile(filepath.Join(dir, k), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestUserspaceScript runs the build's userspace.sh, with kmod's build.sh beside it exactly as
// the build ConfigMap holds them, against fixture installers, with the real curl, rpm2cpio and
// cpio.
func TestUserspaceScript(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "rpm2cpio", "cpio", "gzip", "sha256sum"} {
		requireTool(t, tool, "make tools-apt")
	}
	good := buildInstaller(t, "")
	noCtl := buildInstaller(t, "/usr/bin/graidctl")
	ctx := buildContext(t)

	cases := map[string]struct {
		reason  string
		env     func(markers string) []string
		wantErr string // substring of stderr; "" = success
	}{
		"installer in the build": {
			reason: "GRAID_INSTALLER_PATH (an installer image's file): checked, unpacked, userspace in place",
			env: func(string) []string {
				return []string{"GRAID_INSTALLER_PATH=" + good.path, "GRAID_INSTALLER_SHA256=" + good.sha256, "GRAID_DRIVER_VERSION=1.7.2"}
			},
		},
		"download": {
			reason: "GRAID_INSTALLER_URL fetched with curl, release suffix accepted",
			env: func(string) []string {
				return []string{"GRAID_INSTALLER_URL=file://" + good.path, "GRAID_INSTALLER_SHA256=" + strings.ToUpper(good.sha256), "GRAID_DRIVER_VERSION=1.7.2-010"}
			},
		},
		"wrong checksum": {
			reason: "a different file is refused before anything is unpacked",
			env: func(string) []string {
				return []string{"GRAID_INSTALLER_PATH=" + good.path, "GRAID_INSTALLER_SHA256=" + strings.Repeat("0", 64), "GRAID_DRIVER_VERSION=1.7.2"}
			},
			wantErr: "installer sha256 mismatch: expected " + strings.Repeat("0", 64),
		},
		"wrong release": {
			reason: "the userspace must be the release the kernel modules are built from",
			env: func(string) []string {
				return []string{"GRAID_INSTALLER_PATH=" + good.path, "GRAID_INSTALLER_SHA256=" + good.sha256, "GRAID_DRIVER_VERSION=1.8.0"}
			},
			wantErr: "the installer holds graid 1.7.2 but GRAID_DRIVER_VERSION is 1.8.0",
		},
		"no graidctl": {
			reason: "the agent cannot work without graidctl: the build fails, naming it",
			env: func(string) []string {
				return []string{"GRAID_INSTALLER_PATH=" + noCtl.path, "GRAID_INSTALLER_SHA256=" + noCtl.sha256, "GRAID_DRIVER_VERSION=1.7.2"}
			},
			wantErr: "the installer's RPM has no 'graidctl'",
		},
		"settings missing": {
			reason:  "every missing setting is named at once",
			env:     func(string) []string { return nil },
			wantErr: "missing required setting(s): GRAID_DRIVER_VERSION GRAID_INSTALLER_SHA256",
		},
		"both sources": {
			reason: "a URL and a path at once is a mistake, not a preference",
			env: func(string) []string {
				return []string{"GRAID_INSTALLER_PATH=" + good.path, "GRAID_INSTALLER_URL=file://" + good.path, "GRAID_INSTALLER_SHA256=" + good.sha256, "GRAID_DRIVER_VERSION=1.7.2"}
			},
			wantErr: "set only one of GRAID_INSTALLER_URL and GRAID_INSTALLER_PATH",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "out")
			markers := t.TempDir()
			cmd := exec.Command("bash", "./userspace.sh")
			cmd.Dir = ctx
			cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "DESTDIR=" + dest, "TMPDIR=" + t.TempDir(), "FIXTURE_MARKER_DIR=" + markers}, tc.env(markers)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			if entries, _ := os.ReadDir(markers); len(entries) > 0 {
				t.Errorf("%s\nthe installer was executed (marker %s)", tc.reason, entries[0].Name())
			}
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(stderr.String(), tc.wantErr) {
					t.Errorf("%s\nerr %v, stderr lacks %q:\n%s", tc.reason, err, tc.wantErr, indent(stderr.String()))
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\n%v\n%s", tc.reason, err, indent(stderr.String()))
			}
			checkUserspace(t, dest, good.sha256)
		})
	}
}

// checkUserspace checks what the node image's final stage copies from /out.
func checkUserspace(t *testing.T, dest, sum string) {
	t.Helper()
	for name, target := range map[string]string{
		"graid_server":        "/opt/graid/usr/bin/graid_server",
		"graidctl":            "/opt/graid/usr/bin/graidctl",
		"graid_server_pre.sh": "/opt/graid/usr/bin/graid_server_pre.sh",
	} {
		got, err := os.Readlink(filepath.Join(dest, "usr/local/bin", name))
		if err != nil || got != target {
			t.Errorf("usr/local/bin/%s -> %q (%v), want %s", name, got, err, target)
		}
		if fi, err := os.Stat(filepath.Join(dest, target)); err != nil || fi.Mode().Perm()&0o111 == 0 {
			t.Errorf("%s must be an executable file: %v %v", target, fi, err)
		}
	}
	for _, gone := range []string{"opt/graid/usr/src", "opt/graid/usr/lib/modules"} {
		if _, err := os.Stat(filepath.Join(dest, gone)); err == nil {
			t.Errorf("%s must not be in the node image", gone)
		}
	}
	ld, err := os.ReadFile(filepath.Join(dest, "etc/ld.so.conf.d/graid.conf"))
	if err != nil || string(ld) != "/opt/graid/usr/lib64\n" {
		t.Errorf("ld.so.conf.d/graid.conf = %q (%v)", ld, err)
	}
	manifest, err := os.ReadFile(filepath.Join(dest, "opt/graid/MANIFEST"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(manifest)), "\n")
	if !slices.IsSorted(lines) || !slices.Contains(lines, "./usr/bin/graidctl") || !slices.Contains(lines, "./usr/lib64/libgraid_fixture.so.1") {
		t.Errorf("MANIFEST:\n%s", manifest)
	}
	info, err := os.ReadFile(filepath.Join(dest, "opt/graid/BUILD-INFO"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DKMS_PACKAGE=graid/1.7.2\n", "GRAID_INSTALLER_SHA256=" + sum + "\n", "KERNEL_FULL_VERSION=none (kernel-independent node image)\n"} {
		if !strings.Contains(string(info), want) {
			t.Errorf("BUILD-INFO lacks %q:\n%s", want, info)
		}
	}
}

// TestFixtureMarker is the control for the "never executed" check above: running the fixture
// installer does leave the marker.
func TestFixtureMarker(t *testing.T) {
	in := buildInstaller(t, "")
	markers := t.TempDir()
	cmd := exec.Command("sh", in.path, "--quiet", "--target", filepath.Join(t.TempDir(), "x"))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "FIXTURE_MARKER_DIR=" + markers}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("running the fixture installer: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(markers, "installer-setup-ran")); err != nil {
		t.Errorf("executing the installer must leave the marker: %v", err)
	}
}
