package kmod

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Versions baked into testdata/fixture.
const (
	fixtureGraidVersion  = "1.7.2"
	fixtureGraidRelease  = "010"
	fixtureNvidiaVersion = "550.90.07"
	// markerEnv names the directory where the fixture installer leaves a file whenever any part
	// of it is executed (its makeself header, or its start-up script).
	markerEnv = "FIXTURE_MARKER_DIR"
)

// fixture is a SupremeRAID-like installer built from testdata/fixture: a makeself .run
// (gzip payload) holding an RPM that holds usr/src/graid-<ver>/ (DKMS) and stand-in userspace,
// and an NVIDIA-like .run (xz payload) holding kernel/ and kernel-open/: each a Makefile and
// Kbuild that build a stand-in nvidia.ko exporting the symbols graid_nvidia calls.
type fixture struct {
	installer    string // the graid installer .run
	installerSum string // its sha256
	rpm          string // the RPM inside it
	nvidiaRun    string // the NVIDIA-like .run
	nvidiaDir    string // the same NVIDIA source as a directory (holds kernel/ and kernel-open/)
}

var (
	fixtureOnce    sync.Once
	fixtureBuilt   *fixture
	fixtureMissing string // a missing tool: skip (or fail) every test that needs the fixture
	fixtureErr     error
	fixtureRoot    string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtureRoot != "" {
		os.RemoveAll(fixtureRoot)
	}
	os.Exit(code)
}

// getFixture builds the fixture once per test binary.
func getFixture(t *testing.T) *fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		for _, tool := range []string{"rpmbuild", "makeself", "gzip", "xz", "sha256sum"} {
			if _, err := exec.LookPath(tool); err != nil {
				fixtureMissing = "missing program " + tool + " to build the fixture installer"
				return
			}
		}
		fixtureBuilt, fixtureErr = buildFixture()
	})
	if fixtureMissing != "" {
		missing(t, fixtureMissing)
	}
	if fixtureErr != nil {
		t.Fatalf("building the fixture installer: %v", fixtureErr)
	}
	return fixtureBuilt
}

func buildFixture() (*fixture, error) {
	src, err := filepath.Abs(filepath.Join("testdata", "fixture"))
	if err != nil {
		return nil, err
	}
	root, err := os.MkdirTemp("", "kmod-fixture-")
	if err != nil {
		return nil, err
	}
	fixtureRoot = root
	f := &fixture{nvidiaDir: filepath.Join(src, "nvidia")}

	if f.installer, f.installerSum, f.rpm, err = buildInstaller(root, src, ""); err != nil {
		return nil, err
	}

	// The NVIDIA-like installer: kernel/ and kernel-open/ at the top of the payload, as in
	// NVIDIA's .run since 515.
	f.nvidiaRun = filepath.Join(root, "NVIDIA-Linux-x86_64-"+fixtureNvidiaVersion+".run")
	if err := run("", "makeself", "--xz", f.nvidiaDir, f.nvidiaRun, "NVIDIA fixture", "./kernel/Kbuild"); err != nil {
		return nil, err
	}
	return f, nil
}

// buildInstaller packs the fixture tree at src (graid-src/, userspace/, graid-sr.spec, setup.sh)
// into an RPM and a makeself installer under root/<tag>, with the real rpmbuild and makeself.
func buildInstaller(root, src, tag string) (installer, sum, rpm string, err error) {
	dir := filepath.Join(root, "installer"+tag)
	// The RPM, built by the real rpmbuild (scriptlets included, never run by the build).
	top := filepath.Join(dir, "rpmbuild")
	if err := run("", "rpmbuild", "-bb", "--nodeps",
		"--define", "_topdir "+top,
		"--define", "fixture_dir "+src,
		"--define", "fixture_version "+fixtureGraidVersion,
		"--define", "fixture_release "+fixtureGraidRelease,
		filepath.Join(src, "graid-sr.spec")); err != nil {
		return "", "", "", err
	}
	rpmName := fmt.Sprintf("graid-sr-%s-%s.x86_64.rpm", fixtureGraidVersion, fixtureGraidRelease)
	rpm = filepath.Join(top, "RPMS", "x86_64", rpmName)

	// The installer, made by the real makeself with a header that leaves a marker when run.
	pkg := filepath.Join(dir, "installer-content")
	if err := os.MkdirAll(pkg, 0o755); err != nil {
		return "", "", "", err
	}
	if err := copyFile(rpm, filepath.Join(pkg, rpmName), 0o644); err != nil {
		return "", "", "", err
	}
	if err := copyFile(filepath.Join(src, "setup.sh"), filepath.Join(pkg, "setup.sh"), 0o755); err != nil {
		return "", "", "", err
	}
	header, err := markerHeader(dir)
	if err != nil {
		return "", "", "", err
	}
	installer = filepath.Join(dir, fmt.Sprintf("graid-sr-installer-%s-%s-000-000.run", fixtureGraidVersion, fixtureGraidRelease))
	if err := run("", "makeself", "--gzip", "--header", header, pkg, installer, "SupremeRAID fixture installer", "./setup.sh"); err != nil {
		return "", "", "", err
	}
	sum, err = fileSHA256(installer)
	return installer, sum, rpm, err
}

// installerVariant builds an installer from a copy of testdata/fixture in which the file rel
// (relative to the fixture) has text appended: a vendor tree that differs in one way.
func installerVariant(t *testing.T, tag, rel, appendText string) (installer, sum string) {
	t.Helper()
	getFixture(t)
	src := filepath.Join(t.TempDir(), "fixture")
	if err := run("", "cp", "-a", filepath.Join("testdata", "fixture"), src); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(src, rel)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, append(b, appendText...), 0o644); err != nil {
		t.Fatal(err)
	}
	installer, sum, _, err = buildInstaller(t.TempDir(), src, tag)
	if err != nil {
		t.Fatalf("building the %s installer: %v", tag, err)
	}
	return installer, sum
}

// markerHeader writes a copy of makeself's own header template whose first command, after the
// shebang, touches $FIXTURE_MARKER_DIR/installer-header-ran: any execution of the .run shows.
func markerHeader(root string) (string, error) {
	const template = "/usr/share/makeself/makeself-header.sh"
	b, err := os.ReadFile(template)
	if err != nil {
		return "", fmt.Errorf("reading makeself's header template: %w", err)
	}
	text := string(b)
	const shebang = "#!/bin/sh\n"
	i := strings.Index(text, shebang)
	if i < 0 {
		return "", fmt.Errorf("%s has no %q line", template, strings.TrimSpace(shebang))
	}
	// The template is a shell here-document: \$ keeps the variable for run time.
	marker := `touch "\${` + markerEnv + `:?}/installer-header-ran"` + "\n"
	text = text[:i+len(shebang)] + marker + text[i+len(shebang):]
	p := filepath.Join(root, "makeself-header-with-marker.sh")
	return p, os.WriteFile(p, []byte(text), 0o644)
}

func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}

func copyFile(from, to string, mode os.FileMode) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, mode)
}

func fileSHA256(p string) (string, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// markerDir returns an empty directory for the fixture's execution markers.
func markerDir(t *testing.T) string {
	t.Helper()
	return t.TempDir()
}

// assertNotExecuted fails if the fixture installer left any execution marker in dir.
func assertNotExecuted(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("the installer was executed: marker %s exists", e.Name())
	}
}

// TestFixtureInstallerIsExecutableMakeself proves the markers work: running the fixture the
// way a person would (makeself's own --noexec extraction, then a normal run) leaves them, and
// makeself extracts the same RPM that the fixture put in. Without this, "no marker" would
// prove nothing.
func TestFixtureInstallerIsExecutableMakeself(t *testing.T) {
	f := getFixture(t)
	needTools(t, "sh")
	for _, tc := range []struct {
		reason  string
		args    []string
		markers []string
	}{
		{"makeself's --noexec still runs the header", []string{"--noexec", "--target"}, []string{"installer-header-ran"}},
		{"a normal run also runs the start-up script", []string{"--nox11", "--target"}, []string{"installer-header-ran", "installer-setup-ran"}},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			markers, target := markerDir(t), filepath.Join(t.TempDir(), "x")
			cmd := exec.Command("sh", append([]string{f.installer}, append(tc.args, target)...)...)
			cmd.Env = append(os.Environ(), markerEnv+"="+markers)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s: running the fixture: %v\n%s", tc.reason, err, out)
			}
			for _, m := range tc.markers {
				if _, err := os.Stat(filepath.Join(markers, m)); err != nil {
					t.Errorf("%s: marker %s missing: %v", tc.reason, m, err)
				}
			}
			got, err := fileSHA256(filepath.Join(target, filepath.Base(f.rpm)))
			if err != nil {
				t.Fatalf("%s: makeself did not extract the RPM: %v", tc.reason, err)
			}
			want, _ := fileSHA256(f.rpm)
			if got != want {
				t.Errorf("%s: extracted RPM sha256 %s, want %s", tc.reason, got, want)
			}
		})
	}
}
