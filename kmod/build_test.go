package kmod

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBuildScriptBuildsModules runs build.sh, exactly as embedded, against the installed Debian
// kernel headers and the fixture installer, then checks what KMM and the node DaemonSet rely on.
func TestBuildScriptBuildsModules(t *testing.T) {
	f := getFixture(t)
	kver, _ := kernelBuildDir(t)
	tools := needTools(t, "bash", "curl", "rpm2cpio", "cpio", "make", "gcc", "modinfo", "depmod", "modprobe", "readelf", "strip", "nm")
	b := fixtureBuild(t, f, kver, f.installer, f.installerSum)
	if !b.ok {
		t.Fatalf("build.sh failed:\n%s", b.out)
	}
	dest := b.dest

	moddir := filepath.Join(dest, ModulesDir, kver)
	modinfo := func(field, ko string) string {
		t.Helper()
		b, err := exec.Command(tools["modinfo"], "-F", field, ko).Output()
		if err != nil {
			t.Fatalf("modinfo -F %s %s: %v", field, ko, err)
		}
		return strings.TrimSpace(string(b))
	}
	// Where the Module's sign.filesToSign will point (kmod.ModulePath).
	inImage := func(module string) string {
		return filepath.Join(dest, strings.ReplaceAll(ModulePath(module), "${"+ArgKernelFullVersion+"}", kver))
	}
	graid, graidNvidia := inImage("graid"), inImage("graid_nvidia")
	for _, ko := range []string{graid, graidNvidia} {
		if vm := modinfo("vermagic", ko); !strings.HasPrefix(vm, kver+" ") {
			t.Errorf("%s: vermagic %q does not start with the target kernel %q", filepath.Base(ko), vm, kver)
		}
	}
	if got := modinfo("nvidia_source", graidNvidia); got != fixtureNvidiaVersion {
		t.Errorf("graid_nvidia.ko was compiled against NVIDIA source %q, want the pinned %q", got, fixtureNvidiaVersion)
	}
	if got := modinfo("depends", graidNvidia); got != "graid,nvidia" {
		t.Errorf("graid_nvidia.ko depends on %q, want graid,nvidia (it calls into the NVIDIA build)", got)
	}
	// Bound to the NVIDIA build by CRC: every NVIDIA symbol graid_nvidia uses is recorded in its
	// __versions section (read here with debug/elf, not with the tools the script used) with
	// the CRC the NVIDIA build exported, and the image's MODVERSIONS record lists them.
	assertBoundToNvidia(t, graidNvidia, b.nvidiaTree, filepath.Join(dest, UserspaceDir, "MODVERSIONS"))
	// The host link of KMM's in-tree dependency convention.
	if got, err := os.Readlink(filepath.Join(moddir, "host")); err != nil || got != "/lib/modules/"+kver {
		t.Errorf("%s/host links to %q (%v), want /lib/modules/%s", moddir, got, err, kver)
	}

	// depmod -b ran: modules.dep resolves graid_nvidia to graid, and modprobe -d (as KMM's
	// worker calls it) would load graid first.
	dep, err := os.ReadFile(filepath.Join(moddir, "modules.dep"))
	if err != nil {
		t.Fatalf("depmod left no modules.dep: %v", err)
	}
	for _, line := range []string{"extra/graid.ko:", "extra/graid_nvidia.ko: extra/graid.ko"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(line) + `$`).Match(dep) {
			t.Errorf("modules.dep lacks line %q:\n%s", line, dep)
		}
	}
	show, err := exec.Command(tools["modprobe"], "-d", filepath.Join(dest, "opt"), "-S", kver, "--show-depends", "graid_nvidia").CombinedOutput()
	if err != nil {
		t.Fatalf("modprobe --show-depends graid_nvidia: %v\n%s", err, show)
	}
	wantShow := "insmod " + graid + " \ninsmod " + graidNvidia + " \n"
	if string(show) != wantShow {
		t.Errorf("modprobe -d --show-depends graid_nvidia:\n%s\nwant:\n%s", show, wantShow)
	}

	// DKMS's STRIP: graid stripped of debug info (default), graid_nvidia kept (STRIP[1]="no").
	for ko, wantDebug := range map[string]bool{graid: false, graidNvidia: true} {
		sections, err := exec.Command(tools["readelf"], "-S", ko).Output()
		if err != nil {
			t.Fatalf("readelf -S %s: %v", ko, err)
		}
		if got := strings.Contains(string(sections), ".debug_info"); got != wantDebug {
			t.Errorf("%s: has .debug_info = %v, want %v", filepath.Base(ko), got, wantDebug)
		}
	}

	// Userspace for the node DaemonSet, with a manifest and the build's identity.
	user := filepath.Join(dest, UserspaceDir)
	for _, p := range []string{"usr/bin/graid_server", "usr/bin/graidctl"} {
		st, err := os.Stat(filepath.Join(user, p))
		if err != nil || st.Mode()&0o111 == 0 {
			t.Errorf("%s missing or not executable (%v)", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(user, "usr", "src")); !os.IsNotExist(err) {
		t.Errorf("usr/src (the DKMS source) must not be shipped in %s: %v", user, err)
	}
	assertFile(t, filepath.Join(user, "MANIFEST"), "./usr/bin/graid_server\n./usr/bin/graidctl\n./usr/lib/systemd/system/graid.service\n")
	assertFile(t, filepath.Join(user, "BUILD-INFO"), "DKMS_PACKAGE=graid/"+fixtureGraidVersion+"\n"+
		"GRAID_DRIVER_VERSION="+fixtureGraidVersion+"-"+fixtureGraidRelease+"\n"+
		"GRAID_INSTALLER_SHA256="+f.installerSum+"\n"+
		"KERNEL_FULL_VERSION="+kver+"\n"+
		"NVIDIA_DRIVER_VERSION="+fixtureNvidiaVersion+"\n"+
		"NVIDIA_KERNEL_TYPE=kernel\n"+
		"MODULES=graid graid_nvidia\n"+
		"SRCVERSION_graid="+modinfo("srcversion", graid)+"\n"+
		"SRCVERSION_graid_nvidia="+modinfo("srcversion", graidNvidia)+"\n")

	// The same record where KMM's firmwarePath picks it up, so wait-modules on the node reads
	// the srcversions of exactly the modules KMM loaded from this image.
	record, err := os.ReadFile(filepath.Join(user, "BUILD-INFO"))
	require.NoError(t, err)
	assertFile(t, filepath.Join(dest, FirmwareDir, RecordSubdir, RecordFile), string(record))
	if st, err := os.Stat(filepath.Join(dest, FirmwareDir, RecordSubdir, RecordFile)); assert.NoError(t, err) {
		assert.Equal(t, os.FileMode(0o644), st.Mode().Perm(), "the record must be world-readable: wait-modules runs as nobody")
	}

	// Nothing but the two modules and depmod's indexes under /opt/lib/modules (WalkDir does not
	// follow the host link).
	var kos []string
	filepath.WalkDir(moddir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".ko") {
			kos = append(kos, strings.TrimPrefix(p, moddir+"/"))
		}
		return err
	})
	if strings.Join(kos, " ") != "extra/graid.ko extra/graid_nvidia.ko" {
		t.Errorf("modules installed: %v, want exactly extra/graid.ko extra/graid_nvidia.ko", kos)
	}
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("%v", err)
		return
	}
	if string(b) != want {
		t.Errorf("%s:\n%s\nwant:\n%s", path, b, want)
	}
}

// TestBuildScriptRefuses covers the ways a build must stop with a clear message before any
// module is built or installed, and without executing the installer. These stop before make,
// so a stand-in kernel build directory is enough.
func TestBuildScriptRefuses(t *testing.T) {
	f := getFixture(t)
	needTools(t, "bash", "curl", "rpm2cpio", "cpio")
	script := writeScript(t)
	kernelDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(kernelDir, "Makefile"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	secrets := t.TempDir()
	for name, files := range map[string]map[string]string{
		"empty": {"unrelated": "x"},
		"netrc": {"netrc": "machine mirror.example login u password p\n"},
	} {
		for file, content := range files {
			if err := os.MkdirAll(filepath.Join(secrets, name), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(secrets, name, file), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	notMakeself := filepath.Join(t.TempDir(), "not-makeself.run")
	if err := copyFile(f.rpm, notMakeself, 0o644); err != nil {
		t.Fatal(err)
	}
	notMakeselfSum, _ := fileSHA256(notMakeself)
	wrongSum := strings.Repeat("0", 64)
	proprietaryOnly := filepath.Join(t.TempDir(), "nvidia")
	if err := os.MkdirAll(proprietaryOnly, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := run("", "cp", "-a", filepath.Join(f.nvidiaDir, "kernel"), proprietaryOnly); err != nil {
		t.Fatal(err)
	}

	base := map[string]string{
		"KERNEL_FULL_VERSION":    "6.1.0-99-amd64",
		"KERNEL_BUILD_DIR":       kernelDir,
		"GRAID_DRIVER_VERSION":   fixtureGraidVersion,
		"GRAID_INSTALLER_URL":    "file://" + f.installer,
		"GRAID_INSTALLER_SHA256": f.installerSum,
		"NVIDIA_DRIVER_VERSION":  fixtureNvidiaVersion,
		"NVIDIA_SOURCE":          f.nvidiaDir,
		"SECRETS_DIR":            secrets,
	}
	for _, tc := range []struct {
		name, reason string
		set          map[string]string // "" deletes
		want         []string          // regexps, all must match the output
	}{
		{
			name: "wrong-sha256-url", reason: "a download whose sha256 differs must not be used",
			set:  map[string]string{"GRAID_INSTALLER_SHA256": wrongSum},
			want: []string{`error: installer sha256 mismatch: expected ` + wrongSum + `, got ` + f.installerSum + `; refusing to use it`},
		},
		{
			name: "wrong-sha256-path", reason: "an installer copied from an image is checked too; upper-case hex is accepted",
			set:  map[string]string{"GRAID_INSTALLER_URL": "", "GRAID_INSTALLER_PATH": f.installer, "GRAID_INSTALLER_SHA256": "ABCDEF" + wrongSum[6:]},
			want: []string{`error: installer sha256 mismatch: expected abcdef0{58}, got ` + f.installerSum},
		},
		{
			name: "wrong-nvidia-version-dir", reason: "graid_nvidia must match the NVIDIA driver exactly",
			set:  map[string]string{"NVIDIA_DRIVER_VERSION": "550.90.12"},
			want: []string{`error: NVIDIA kernel source at \S+/nvidia/kernel is version 550\.90\.07 but NVIDIA_DRIVER_VERSION is 550\.90\.12; graid_nvidia must be built against exactly the NVIDIA driver the cluster loads`},
		},
		{
			name: "wrong-nvidia-version-run", reason: "an NVIDIA .run is unpacked and checked the same way",
			set:  map[string]string{"NVIDIA_DRIVER_VERSION": "535.183.01", "NVIDIA_SOURCE": f.nvidiaRun},
			want: []string{`unpacking NVIDIA installer`, `error: NVIDIA kernel source at \S+/kernel is version 550\.90\.07 but NVIDIA_DRIVER_VERSION is 535\.183\.01`},
		},
		{
			name: "nvidia-open-flavour-absent", reason: "kernel-open requested but the source has only kernel/",
			set:  map[string]string{"NVIDIA_KERNEL_TYPE": "kernel-open", "NVIDIA_SOURCE": proprietaryOnly},
			want: []string{`error: the NVIDIA source at \S+ has no kernel-open/ directory \(the flavour NVIDIA_KERNEL_TYPE asks for\); it has: kernel `},
		},
		{
			name: "wrong-graid-version", reason: "the installer must hold the pinned SupremeRAID release",
			set:  map[string]string{"GRAID_DRIVER_VERSION": "1.8.0"},
			want: []string{`error: /usr/src/graid-1\.7\.2/dkms\.conf: the installer holds graid 1\.7\.2 but GRAID_DRIVER_VERSION is 1\.8\.0`},
		},
		{
			name: "download-fails", reason: "a failed download says so",
			set:  map[string]string{"GRAID_INSTALLER_URL": "file://" + f.installer + ".absent"},
			want: []string{`error: download of the installer failed \(curl exit 37\)`},
		},
		{
			name: "secret-not-mounted", reason: "a named build secret must be mounted",
			set:  map[string]string{"GRAID_INSTALLER_SECRET": "creds"},
			want: []string{`error: build secret 'creds' is not mounted at \S+/creds \(list it in the Module's build\.secrets\)`},
		},
		{
			name: "secret-without-keys", reason: "a build secret needs key netrc or header",
			set:  map[string]string{"GRAID_INSTALLER_SECRET": "empty"},
			want: []string{`error: build secret 'empty' has neither key 'netrc' nor key 'header'`},
		},
		{
			name: "secret-netrc-used", reason: "with a netrc secret the download goes ahead (then the NVIDIA check stops it)",
			set:  map[string]string{"GRAID_INSTALLER_SECRET": "netrc", "NVIDIA_DRIVER_VERSION": "550.90.12"},
			want: []string{`installer sha256 verified`, `error: NVIDIA kernel source at \S+ is version 550\.90\.07 but NVIDIA_DRIVER_VERSION is 550\.90\.12`},
		},
		{
			name: "not-makeself", reason: "an installer that is not a makeself archive is rejected",
			set:  map[string]string{"GRAID_INSTALLER_URL": "file://" + notMakeself, "GRAID_INSTALLER_SHA256": notMakeselfSum},
			want: []string{`error: \S+/installer\.run is not a makeself archive: no skip= or offset=` + "`" + `head -n N` + "`" + ` line in its header`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			vars := map[string]string{}
			for k, v := range base {
				vars[k] = v
			}
			for k, v := range tc.set {
				vars[k] = v
			}
			dest, markers := t.TempDir(), markerDir(t)
			env := []string{"DESTDIR=" + dest, markerEnv + "=" + markers}
			for k, v := range vars {
				if v != "" {
					env = append(env, k+"="+v)
				}
			}
			out, ok := runScript(t, script, scriptEnv(t, env...))
			if ok {
				t.Fatalf("%s: build.sh succeeded, want failure:\n%s", tc.reason, out)
			}
			for _, w := range tc.want {
				if !regexp.MustCompile(w).MatchString(out) {
					t.Errorf("%s: output does not match %q:\n%s", tc.reason, w, out)
				}
			}
			if n := strings.Count(out, "graid-kmod-build: error:"); n != 1 {
				t.Errorf("%s: want exactly one error line, got %d:\n%s", tc.reason, n, out)
			}
			if entries, _ := os.ReadDir(dest); len(entries) != 0 {
				t.Errorf("%s: a failed build installed files into DESTDIR: %v", tc.reason, entries)
			}
			assertNotExecuted(t, markers)
		})
	}
}
