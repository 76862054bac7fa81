package agent

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
)

// loopDevice attaches a sparse file to a free loop device.
func loopDevice(t *testing.T, dir, name string) string {
	t.Helper()
	backing := sparseFile(t, dir, name, 512<<20)
	out, err := exec.Command(requireTool(t, "losetup"), "-f", "--show", backing).CombinedOutput()
	if err != nil {
		missing(t, "no usable loop device (losetup -f --show: "+strings.TrimSpace(string(out))+")")
	}
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command("losetup", "-d", dev).Run() })
	return dev
}

func mustExec(t *testing.T, name string, args ...string) {
	t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func blkidValue(t *testing.T, dev, tag string) string {
	t.Helper()
	out, err := exec.Command("blkid", "-p", "-s", tag, "-o", "value", dev).Output()
	if err != nil {
		t.Fatalf("blkid %s: %v", dev, err)
	}
	return strings.TrimSpace(string(out))
}

func mountAt(t *testing.T, target string) (MountEntry, bool) {
	t.Helper()
	mounts, err := ReadMountInfo("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return FindMount(mounts, target)
}

// TestRealMount runs the agent with its real mounter, blkid and mkfs.xfs
// against loop devices standing in for SupremeRAID virtual drives (the
// simulator links /dev/gdg0nY to them). The host root is a shared mount
// with a peer, as /host is with mountPropagation: Bidirectional, so the
// test also proves the mounts propagate.
func TestRealMount(t *testing.T) {
	if os.Geteuid() != 0 {
		missing(t, "mounting needs root")
	}
	for _, tool := range []string{"losetup", "mount", "umount", "blkid", "mkfs.xfs"} {
		requireTool(t, tool)
	}
	dir := t.TempDir()
	blank := loopDevice(t, dir, "vd0.img")
	// A VD the agent creates but finds formatted is refused (TestFaultMatrix covers it); here
	// both are blank.
	preformatted := loopDevice(t, dir, "vd1.img")

	hostRoot, peer := filepath.Join(dir, "host"), filepath.Join(dir, "peer")
	for _, p := range []string{hostRoot, peer} {
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// hostRoot becomes a shared mount and peer a bind of it (same peer group).
	mustExec(t, "mount", "--bind", hostRoot, hostRoot)
	t.Cleanup(func() {
		// Only reached with mounts left if the test failed part-way.
		for _, p := range []string{peer, hostRoot} {
			_ = exec.Command("umount", "-R", "-l", p).Run()
		}
	})
	mustExec(t, "mount", "--make-shared", hostRoot)
	mustExec(t, "mount", "--bind", hostRoot, peer)

	nodeRoot := filepath.Join(dir, "node")
	for i, n := range []string{"nvme0n1", "nvme1n1"} {
		if err := graidctlsim.AddNVMe(nodeRoot, n, fmt.Sprintf("eui.real%d", i), 64<<20); err != nil {
			t.Fatal(err)
		}
	}
	statePath := filepath.Join(dir, "graidctl.json")
	st := &graidctlsim.State{
		LicenseKeys: []string{testLicenseKey},
		VDLinks:     map[string]string{"/dev/gdg0n1": blank, "/dev/gdg0n2": preformatted},
	}
	if err := st.Save(statePath); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "license")
	if err := os.WriteFile(keyFile, []byte(testLicenseKey), 0o600); err != nil {
		t.Fatal(err)
	}
	layout := &Layout{
		License: License{KeyFile: keyFile},
		DriveGroups: []DriveGroup{{
			RAIDLevel:      "raid0",
			PhysicalDrives: []PhysicalDrive{{Device: "/dev/nvme0n1"}, {Device: "/dev/nvme1n1"}},
			VirtualDrives: []VirtualDrive{
				{Size: "1Gi", Filesystem: "xfs", MountPath: "/var/mnt/supremeraid/vd0", MountOptions: []string{"noatime"}},
				{Size: "100%", Filesystem: "xfs", MountPath: "/var/mnt/supremeraid/vd1"},
			},
		}},
		Tenants: []TenantDir{{Namespace: "project1", UID: 1000, GID: 100, MountPath: "/var/mnt/supremeraid/vd0"}},
	}
	layoutJSON := filepath.Join(dir, "layout.json")
	writeJSON(t, layoutJSON, layout)

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv(asGraidctlEnv, "1")
	t.Setenv(graidctlsim.EnvState, statePath)
	t.Setenv(graidctlsim.EnvRoot, nodeRoot)
	readyFile := filepath.Join(dir, "ready")
	once := func() (int, string) {
		var stdout, stderr bytes.Buffer
		code := Main([]string{"--once", "--layout", layoutJSON, "--graidctl", exe, "--host-root", hostRoot,
			"--dev-root", nodeRoot, "--sys-root", nodeRoot, "--ready-file", readyFile}, &stdout, &stderr)
		return code, stderr.String()
	}
	vd0, vd1 := hostRoot+"/var/mnt/supremeraid/vd0", hostRoot+"/var/mnt/supremeraid/vd1"

	// First pass: everything is created, vd0 formatted, vd1 kept, both mounted.
	if code, log := once(); code != 0 {
		t.Fatalf("first pass: exit %d\n%s", code, log)
	}
	if _, err := os.Stat(readyFile); err != nil {
		t.Errorf("ready file after a ready pass: %v", err)
	}
	e0, ok := mountAt(t, vd0)
	if !ok || e0.Source != blank || e0.FSType != "xfs" || !strings.Contains(e0.Options, "noatime") {
		t.Fatalf("vd0 mount: %+v (ok=%v), want xfs from %s with noatime", e0, ok, blank)
	}
	if !e0.Shared() {
		t.Errorf("vd0 mount should be shared (it is under a shared /host): %+v", e0)
	}
	if _, ok := mountAt(t, peer+"/var/mnt/supremeraid/vd0"); !ok {
		t.Error("the mount did not propagate to the peer of the host root (Bidirectional would not work)")
	}
	e1, ok := mountAt(t, vd1)
	if !ok || e1.Source != preformatted {
		t.Fatalf("vd1 mount: %+v", e1)
	}
	if err := os.WriteFile(vd1+"/keep.txt", []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tenant, err := os.Stat(vd0 + "/project1")
	if err != nil {
		t.Fatal(err)
	}
	if uidGid(tenant) != [2]int{1000, 100} || tenant.Mode().Perm() != TenantDirMode {
		t.Errorf("tenant dir owner %v mode %v", uidGid(tenant), tenant.Mode())
	}
	var onFS, onRoot syscall.Stat_t
	if syscall.Stat(vd0+"/project1", &onFS) != nil || syscall.Stat(hostRoot, &onRoot) != nil || onFS.Dev == onRoot.Dev {
		t.Error("the tenant directory must live on the virtual drive, not on the host's root filesystem")
	}
	uuid0 := blkidValue(t, blank, "UUID")

	// Second pass: nothing changes.
	logBefore := len(loadSimLog(t, statePath))
	if code, log := once(); code != 0 {
		t.Fatalf("second pass: exit %d\n%s", code, log)
	}
	for _, c := range loadSimLog(t, statePath)[logBefore:] {
		if !strings.HasPrefix(c, "ls ") {
			t.Errorf("second pass ran graidctl %q", c)
		}
	}
	if got := blkidValue(t, blank, "UUID"); got != uuid0 {
		t.Errorf("second pass reformatted vd0: UUID %s -> %s", uuid0, got)
	}
	mounts, _ := ReadMountInfo("/proc/self/mountinfo")
	if n := countMounts(mounts, vd0); n != 1 {
		t.Errorf("vd0 is mounted %d times after two passes, want 1", n)
	}

	// Loop mode: cancel (SIGTERM) unmounts; a busy mount gets the lazy
	// last resort after the timeout.
	busy, err := os.Open(vd1 + "/keep.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	var logs bytes.Buffer
	d := RealDeps(exe, hostRoot, slog.New(slog.NewTextHandler(&logs, nil)))
	d.DevRoot, d.SysRoot = nodeRoot, nodeRoot
	d.UnmountTimeout, d.UnmountRetry = 500*time.Millisecond, 50*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	sink := &cancelSink{n: 1, cancel: cancel}
	// vd1 is held open: the lazy unmount detaches it but its filesystem stays alive, so the
	// stop must be reported unclean (graid must not be stopped under it).
	err = Loop(ctx, layout, d, sink, time.Hour)
	if err == nil || !strings.Contains(err.Error(), "still busy") || !strings.Contains(logs.String(), "UNCLEAN") {
		t.Fatalf("loop with a busy vd1 must report the live filesystem, got %v\n%s", err, logs.String())
	}
	if !strings.Contains(logs.String(), "released: no filesystem holds the virtual drive any more") {
		t.Errorf("vd0 must be proven released:\n%s", logs.String())
	}
	busy.Close()
	if err := waitReleased(context.Background(), d, preformatted); err != nil {
		t.Errorf("vd1 must be released once its last user closes it: %v", err)
	}
	if !sink.got[0].Ready {
		t.Fatalf("loop pass not ready: %q", sink.got[0].Reasons)
	}
	for _, p := range []string{vd0, vd1, peer + "/var/mnt/supremeraid/vd0"} {
		if _, ok := mountAt(t, p); ok {
			t.Errorf("%s still mounted after shutdown", p)
		}
	}
	if !strings.Contains(logs.String(), "LAST RESORT: lazy unmount") || !strings.Contains(logs.String(), "target="+vd1) {
		t.Errorf("the busy vd1 should have been lazily unmounted with a log line:\n%s", logs.String())
	}
	if strings.Count(logs.String(), "LAST RESORT") != 1 {
		t.Errorf("only the busy mount may need the lazy unmount:\n%s", logs.String())
	}
	busy.Close()

	mustExec(t, "umount", peer)
	mustExec(t, "umount", hostRoot)
}

func countMounts(mounts []MountEntry, target string) int {
	return len(slices.DeleteFunc(slices.Clone(mounts), func(m MountEntry) bool { return m.MountPoint != target }))
}

func loadSimLog(t *testing.T, statePath string) []string {
	t.Helper()
	st, err := graidctlsim.LoadState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	return st.Log
}
