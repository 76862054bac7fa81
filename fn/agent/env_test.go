package agent

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
)

// The test binary doubles as graidctl: the agent execs it like the real CLI.
const asGraidctlEnv = "AGENT_TEST_AS_GRAIDCTL"

func TestMain(m *testing.M) {
	if os.Getenv(asGraidctlEnv) == "1" {
		os.Exit(graidctlsim.Main(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

const testLicenseKey = "TEST-LICENSE-0001"

// env is one simulated node: graidctl simulator state, a device root with
// NVMe namespaces, a host root for mounts and a fake mount table.
type env struct {
	t         *testing.T
	dir       string
	nodeRoot  string // simulated /dev and /sys
	hostRoot  string
	statePath string
	mountInfo string
	keyFile   string
	mounter   *fakeMounter
	logs      bytes.Buffer
	chowned   map[string][2]int
}

func newEnv(t *testing.T, st *graidctlsim.State, nvme ...string) *env {
	t.Helper()
	requireTool(t, "blkid")
	requireTool(t, "mkfs.xfs")
	requireTool(t, "mkfs.ext4")
	dir := t.TempDir()
	e := &env{
		t: t, dir: dir,
		nodeRoot:  filepath.Join(dir, "node"),
		hostRoot:  filepath.Join(dir, "host"),
		statePath: filepath.Join(dir, "graidctl-state.json"),
		mountInfo: filepath.Join(dir, "mountinfo"),
		keyFile:   filepath.Join(dir, "license"),
		chowned:   map[string][2]int{},
	}
	e.mounter = &fakeMounter{path: e.mountInfo, stash: filepath.Join(dir, "fs"), busy: map[string]int{}}
	if st == nil {
		st = &graidctlsim.State{}
	}
	if len(st.LicenseKeys) == 0 {
		st.LicenseKeys = []string{testLicenseKey}
	}
	if err := st.Save(e.statePath); err != nil {
		t.Fatal(err)
	}
	for _, n := range nvme {
		if err := graidctlsim.AddNVMe(e.nodeRoot, n, "eui."+n, 64<<20); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(e.keyFile, []byte(testLicenseKey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.mountInfo, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) deps() Deps {
	exe, err := os.Executable()
	if err != nil {
		e.t.Fatal(err)
	}
	runner := graidctl.ExecRunner{Env: append(os.Environ(), asGraidctlEnv+"=1",
		graidctlsim.EnvState+"="+e.statePath, graidctlsim.EnvRoot+"="+e.nodeRoot)}
	chown := os.Lchown
	if os.Geteuid() != 0 {
		// Only root may give files away; record instead (the real mount
		// test, which needs root anyway, exercises os.Lchown).
		chown = func(p string, uid, gid int) error { e.chowned[p] = [2]int{uid, gid}; return nil }
	}
	return Deps{
		Graidctl:       &graidctl.Client{Path: exe, Runner: runner},
		Prober:         BlkidProber{},
		Format:         MkfsFormatter{},
		Mount:          e.mounter,
		Log:            slog.New(slog.NewTextHandler(&e.logs, nil)),
		HostRoot:       e.hostRoot,
		DevRoot:        e.nodeRoot,
		SysRoot:        e.nodeRoot,
		MountInfo:      e.mountInfo,
		StateDir:       "/var/lib/supremeraid-node",
		Chown:          chown,
		UnmountTimeout: 10 * time.Second, // generous: only the "stuck" case waits it out
		UnmountRetry:   10 * time.Millisecond,
	}
}

func (e *env) state() *graidctlsim.State {
	e.t.Helper()
	st, err := graidctlsim.LoadState(e.statePath)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// sim runs the simulator directly, as an admin at the node would.
func (e *env) sim(args ...string) {
	e.t.Helper()
	var out, errOut bytes.Buffer
	if code := graidctlsim.Run(args, e.statePath, e.nodeRoot, &out, &errOut); code != 0 {
		e.t.Fatalf("graidctl %s: %s", strings.Join(args, " "), errOut.String())
	}
}

// run is one agent pass; it returns the status and the graidctl commands
// other than listings that the pass executed.
func (e *env) run(l *Layout) (Status, []string) {
	e.t.Helper()
	before := len(e.state().Log)
	st := Run(context.Background(), l, e.deps())
	var cmds []string
	for _, c := range e.state().Log[before:] {
		if !strings.HasPrefix(c, "ls ") {
			cmds = append(cmds, c)
		}
	}
	return st, cmds
}

func (e *env) vdFile(dev string) string { return filepath.Join(e.nodeRoot, dev) }

// link adds a udev-style link /dev/disk/<name> -> target (relative, as udev makes them) and
// returns its device path.
func (e *env) link(t *testing.T, name, target string) string {
	t.Helper()
	p := filepath.Join(e.nodeRoot, "dev/disk", name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, p); err != nil {
		t.Fatal(err)
	}
	return "/dev/disk/" + name
}

func (e *env) probe(dev string) Signature {
	e.t.Helper()
	sig, err := BlkidProber{}.Probe(context.Background(), e.vdFile(dev))
	if err != nil {
		e.t.Fatal(err)
	}
	return sig
}

// fakeMounter keeps a mountinfo-format table in a file instead of calling
// mount(2): the table tests run without root. The files written into a
// "mounted" directory belong to its source: unmounting moves them to a
// stash for that source and mounting brings them back, like a filesystem.
// The real mount(8) path is covered by TestRealMount.
type fakeMounter struct {
	mu     sync.Mutex
	path   string
	stash  string
	nextID int
	calls  []string
	busy   map[string]int // target -> plain unmounts that fail with EBUSY
}

// moveEntries moves every entry of dir from into dir to.
func moveEntries(from, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, en := range entries {
		if err := os.Rename(filepath.Join(from, en.Name()), filepath.Join(to, en.Name())); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeMounter) stashFor(source string) string {
	return filepath.Join(f.stash, strings.ReplaceAll(source, "/", "_"))
}

// reboot drops every mount, as a node restart would.
func (f *fakeMounter) reboot(t *testing.T) {
	t.Helper()
	entries, err := ReadMountInfo(f.path)
	if err != nil {
		t.Fatal(err)
	}
	for i := len(entries) - 1; i >= 0; i-- {
		if err := f.Unmount(context.Background(), entries[i].MountPoint, false); err != nil {
			t.Fatal(err)
		}
	}
	f.calls = nil
}

func (f *fakeMounter) Mount(_ context.Context, source, target, fstype string, options []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("mount -t %s -o %s %s %s", fstype, strings.Join(options, ","), source, target))
	if fi, err := os.Stat(target); err != nil || !fi.IsDir() {
		return fmt.Errorf("mount point %s does not exist", target)
	}
	if _, err := os.Stat(f.stashFor(source)); err == nil {
		if err := moveEntries(f.stashFor(source), target); err != nil {
			return err
		}
	}
	f.nextID++
	line := fmt.Sprintf("%d 1 0:%d / %s rw shared:%d - %s %s rw\n", 100+f.nextID, f.nextID, target, f.nextID, fstype, source)
	file, err := os.OpenFile(f.path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer file.Close()
	_, err = file.WriteString(line)
	return err
}

func (f *fakeMounter) Unmount(_ context.Context, target string, lazy bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf("umount lazy=%v %s", lazy, target))
	if !lazy && f.busy[target] != 0 {
		if f.busy[target] > 0 {
			f.busy[target]--
		}
		return fmt.Errorf("umount: %s: target is busy", target)
	}
	b, err := os.ReadFile(f.path)
	if err != nil {
		return err
	}
	lines := strings.SplitAfter(string(b), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if fields := strings.Fields(lines[i]); len(fields) > 4 && fields[4] == target {
			if err := moveEntries(target, f.stashFor(fields[len(fields)-2])); err != nil {
				return err
			}
			lines = append(lines[:i], lines[i+1:]...)
			return os.WriteFile(f.path, []byte(strings.Join(lines, "")), 0o644)
		}
	}
	return fmt.Errorf("umount: %s: not mounted", target)
}
