package agent

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
)

// mnode is one node of the fault matrix: simulated NVMe drives and graidctl, virtual drives
// that are real loop devices with real XFS/ext4 filesystems, real mount(8), blkid and wipefs.
type mnode struct {
	t         *testing.T
	fs        string
	dir       string
	nodeRoot  string
	hostRoot  string
	statePath string
	keyFile   string
	loops     map[string]string // VD device -> loop device
	uuids     map[string]string // loop device -> filesystem UUID when its canary was written
	canaries  map[string]string // loop device -> mount path it was written under
	timeout   time.Duration     // per graidctl command
	prober    Prober            // replaces BlkidProber when set
	logs      bytes.Buffer
}

var matrixNVMe = []string{"nvme0n1", "nvme1n1", "nvme2n1", "nvme3n1"}

func newMNode(t *testing.T, fs string) *mnode {
	t.Helper()
	if os.Geteuid() != 0 {
		missing(t, "the fault matrix mounts loop devices and needs root")
	}
	for _, tool := range []string{"losetup", "mount", "umount", "blkid", "wipefs", "mkfs.xfs", "mkfs.ext4"} {
		requireTool(t, tool)
	}
	dir := t.TempDir()
	m := &mnode{t: t, fs: fs, dir: dir, nodeRoot: filepath.Join(dir, "node"), hostRoot: filepath.Join(dir, "host"),
		statePath: filepath.Join(dir, "graidctl.json"), keyFile: filepath.Join(dir, "license"),
		loops: map[string]string{}, uuids: map[string]string{}, canaries: map[string]string{}, timeout: 20 * time.Second}
	for _, n := range matrixNVMe {
		require.NoError(t, graidctlsim.AddNVMe(m.nodeRoot, n, "eui."+n, 64<<20))
		m.link("eui."+n, n)
	}
	links := map[string]string{}
	for i := 1; i <= 3; i++ {
		dev := fmt.Sprintf("/dev/gdg0n%d", i)
		m.loops[dev] = loopDevice(t, dir, fmt.Sprintf("gdg0n%d.img", i))
		links[dev] = m.loops[dev]
	}
	require.NoError(t, (&graidctlsim.State{LicenseKeys: []string{testLicenseKey}, VDLinks: links}).Save(m.statePath))
	require.NoError(t, os.WriteFile(m.keyFile, []byte(testLicenseKey), 0o600))
	require.NoError(t, os.MkdirAll(m.hostRoot, 0o755))
	// Runs before the loop devices are detached (cleanups run last first).
	t.Cleanup(func() { m.unmountAll() })
	return m
}

// link makes the udev by-id link of a drive: named by its WWID, pointing at its kernel name.
func (m *mnode) link(wwid, name string) string {
	p := filepath.Join(m.nodeRoot, "dev/disk/by-id", "nvme-SIM_"+wwid)
	require.NoError(m.t, os.MkdirAll(filepath.Dir(p), 0o755))
	_ = os.Remove(p)
	require.NoError(m.t, os.Symlink("../../"+name, p))
	return "/dev/disk/by-id/nvme-SIM_" + wwid
}

func (m *mnode) layout() *Layout {
	var drives []PhysicalDrive
	for _, n := range matrixNVMe {
		drives = append(drives, PhysicalDrive{Device: "/dev/disk/by-id/nvme-SIM_eui." + n})
	}
	return &Layout{
		License: License{KeyFile: m.keyFile},
		DriveGroups: []DriveGroup{{RAIDLevel: "raid5", PhysicalDrives: drives, VirtualDrives: []VirtualDrive{
			{Size: "1Gi", Filesystem: m.fs, MountPath: "/var/mnt/sr/vd0"},
			{Size: "100%", Filesystem: m.fs, MountPath: "/var/mnt/sr/vd1"},
		}}},
	}
}

func (m *mnode) deps() Deps {
	exe, err := os.Executable()
	require.NoError(m.t, err)
	runner := graidctl.ExecRunner{Timeout: m.timeout, Env: append(os.Environ(), asGraidctlEnv+"=1",
		graidctlsim.EnvState+"="+m.statePath, graidctlsim.EnvRoot+"="+m.nodeRoot)}
	var prober Prober = BlkidProber{}
	if m.prober != nil {
		prober = m.prober
	}
	return Deps{
		Graidctl: &graidctl.Client{Path: exe, Runner: runner},
		Prober:   prober, Format: MkfsFormatter{}, Mount: ExecMounter{},
		Log:      slog.New(slog.NewTextHandler(&m.logs, nil)),
		HostRoot: m.hostRoot, DevRoot: m.nodeRoot, SysRoot: m.nodeRoot,
		MountInfo: "/proc/self/mountinfo", StateDir: DefaultStateDir, Chown: os.Lchown,
		UnmountTimeout: 2 * time.Second, UnmountRetry: 50 * time.Millisecond,
	}
}

func (m *mnode) sim() *graidctlsim.State {
	st, err := graidctlsim.LoadState(m.statePath)
	require.NoError(m.t, err)
	return st
}

func (m *mnode) editSim(f func(*graidctlsim.State)) {
	st := m.sim()
	f(st)
	require.NoError(m.t, st.Save(m.statePath))
}

// run is one agent pass; it returns the status and the graidctl commands other than listings.
func (m *mnode) run(l *Layout) (Status, []string) {
	before := len(m.sim().Log)
	st := Run(context.Background(), l, m.deps())
	var cmds []string
	for _, c := range m.sim().Log[before:] {
		if !strings.HasPrefix(c, "ls ") {
			cmds = append(cmds, c)
		}
	}
	return st, cmds
}

type killed struct{ step string }

// runKilledAt runs a pass that dies right after the first time it completes step, as a
// SIGKILL would: nothing after that point runs, the next pass starts from the disk.
func (m *mnode) runKilledAt(l *Layout, step string) (died bool) {
	old := afterStep
	afterStep = func(s string) {
		if s == step {
			panic(killed{s})
		}
	}
	defer func() {
		afterStep = old
		if r := recover(); r != nil {
			if _, ok := r.(killed); !ok {
				panic(r)
			}
			died = true
		}
	}()
	Run(context.Background(), l, m.deps())
	return false
}

func (m *mnode) mustReady(l *Layout) {
	m.t.Helper()
	st, _ := m.run(l)
	require.True(m.t, st.Ready, "node not ready: %q\n%s", st.Reasons, m.logs.String())
}

// writeCanaries puts a canary file on every mounted virtual drive of the layout.
func (m *mnode) writeCanaries(l *Layout) {
	m.t.Helper()
	mounts, err := ReadMountInfo("/proc/self/mountinfo")
	require.NoError(m.t, err)
	for _, g := range l.DriveGroups {
		for _, v := range g.VirtualDrives {
			e, ok := FindMount(mounts, m.hostRoot+v.MountPath)
			require.True(m.t, ok, "%s must be mounted to get a canary", v.MountPath)
			loop := m.loopOf(e.Source)
			require.NoError(m.t, os.WriteFile(m.hostRoot+v.MountPath+"/canary", []byte("canary of "+v.MountPath+"\n"), 0o644))
			m.canaries[loop] = v.MountPath
			m.uuids[loop] = blkidValue(m.t, loop, "UUID")
		}
	}
	mustExec(m.t, "sync")
}

func (m *mnode) loopOf(source string) string {
	for dev, loop := range m.loops {
		if source == loop || source == m.nodeRoot+dev {
			return loop
		}
	}
	m.t.Fatalf("mount source %s is no VD of this node", source)
	return ""
}

// mountedCanary reads the canary at a mount path while the agent has it mounted: the file must
// be that path's own canary (a neighbour's filesystem there would hold the neighbour's).
func (m *mnode) mountedCanary(mp string) string {
	b, err := os.ReadFile(m.hostRoot + mp + "/canary")
	if err != nil {
		return err.Error()
	}
	return strings.TrimSpace(string(b))
}

// checkCanaries unmounts everything and proves, device by device, that each canary is intact
// and no filesystem was recreated (same UUID).
func (m *mnode) checkCanaries() {
	m.t.Helper()
	m.unmountAll()
	scratch := filepath.Join(m.dir, "scratch")
	require.NoError(m.t, os.MkdirAll(scratch, 0o755))
	for loop, mp := range m.canaries {
		assert.Equal(m.t, m.uuids[loop], blkidValue(m.t, loop, "UUID"), "filesystem of %s was recreated", mp)
		mustExec(m.t, "mount", "-o", "ro", loop, scratch)
		b, err := os.ReadFile(scratch + "/canary")
		mustExec(m.t, "umount", scratch)
		assert.NoError(m.t, err)
		assert.Equal(m.t, "canary of "+mp+"\n", string(b), "canary on %s", loop)
	}
}

// unmountAll drops every mount under the host root, as a reboot does.
func (m *mnode) unmountAll() {
	mounts, err := ReadMountInfo("/proc/self/mountinfo")
	if err != nil {
		return
	}
	for i := len(mounts) - 1; i >= 0; i-- {
		if strings.HasPrefix(mounts[i].MountPoint, m.hostRoot+"/") {
			_ = exec.Command("umount", mounts[i].MountPoint).Run()
		}
	}
}

// reboot restarts the node: mounts gone, and graid re-imports its drives only after
// importCalls listings (0: at once).
func (m *mnode) reboot(importCalls int) {
	m.unmountAll()
	if importCalls > 0 {
		require.NoError(m.t, graidctlsim.Reboot(m.statePath, m.nodeRoot, importCalls))
	}
}

// addDrive adds NVMe namespace nvme4n1 whose node is a link to a real block device, with that
// device's number in sysfs, and returns its by-id name.
func (m *mnode) addDrive(target string) string {
	require.NoError(m.t, graidctlsim.AddNVMe(m.nodeRoot, "nvme4n1", "eui.nvme4n1", 0))
	// The node is a block device node with the target's number, as udev would make it.
	node := filepath.Join(m.nodeRoot, "dev/nvme4n1")
	require.NoError(m.t, os.Remove(node))
	var st syscall.Stat_t
	require.NoError(m.t, syscall.Stat(target, &st))
	require.NoError(m.t, syscall.Mknod(node, syscall.S_IFBLK|0o600, int(st.Rdev)))
	devNo, err := os.ReadFile(filepath.Join("/sys/class/block", filepath.Base(target), "dev"))
	require.NoError(m.t, err)
	require.NoError(m.t, os.WriteFile(filepath.Join(m.nodeRoot, "sys/class/block/nvme4n1/dev"), devNo, 0o644))
	return m.link("eui.nvme4n1", "nvme4n1")
}

// withExtraGroup is the layout plus a raid1 group of the given drive and a blank one.
func (m *mnode) withExtraGroup(device string, allow bool) *Layout {
	require.NoError(m.t, graidctlsim.AddNVMe(m.nodeRoot, "nvme5n1", "eui.nvme5n1", 64<<20))
	blank := m.link("eui.nvme5n1", "nvme5n1")
	l := m.layout()
	l.DriveGroups = append(l.DriveGroups, DriveGroup{RAIDLevel: "raid1",
		PhysicalDrives: []PhysicalDrive{{Device: device, AllowInitialize: allow}, {Device: blank}},
		VirtualDrives:  []VirtualDrive{{Size: "100%", Filesystem: m.fs, MountPath: "/var/mnt/sr/extra"}}})
	return l
}

func creates(cmds []string) []string {
	var out []string
	for _, c := range cmds {
		if strings.HasPrefix(c, "create") || strings.HasPrefix(c, "del") {
			out = append(out, c)
		}
	}
	return out
}

// TestFaultMatrix: every scenario starts from a ready node with a canary file on every
// virtual drive, injects one fault, runs the agent, and must end with every canary intact, no
// create or mkfs on anything recorded or signature-bearing, a clear log line and the right
// readiness.
func TestFaultMatrix(t *testing.T) {
	type scenario struct {
		reason string
		// fault breaks the node and runs the agent; it returns the last status and the graidctl
		// commands run after the fault.
		fault      func(t *testing.T, m *mnode) (Status, []string)
		wantReady  bool
		wantLog    string
		wantCreate []string // graidctl create commands after the fault (usually none)
	}
	scenarios := map[string]scenario{
		"reboot before graid re-import": {
			reason: "graid lists nothing yet while the SSDs are back as blank-looking NVMe: wait, never create; after import serve again",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				m.reboot(1000)
				st, cmds := m.run(m.layout())
				assert.False(t, st.Ready)
				assert.Contains(t, strings.Join(st.Reasons, "\n"), "drive group 0 is recorded as ours but graid does not list it")
				require.NoError(t, graidctlsim.FinishImport(m.statePath, m.nodeRoot))
				st2, cmds2 := m.run(m.layout())
				return st2, append(cmds, cmds2...)
			},
			wantReady: true,
			wantLog:   "Waiting; the agent never re-creates a recorded group",
		},
		"graid state lost": {
			reason: "graid_server forgot everything: the record says the drives are ours; wait and report, forever",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				m.reboot(1000)
				m.editSim(func(s *graidctlsim.State) {
					s.PDs, s.DGs, s.VDs, s.ImportPending = nil, nil, nil, 0
				})
				var cmds []string
				var st Status
				for i := 0; i < 2; i++ {
					var c []string
					st, c = m.run(m.layout())
					cmds = append(cmds, c...)
				}
				return st, cmds
			},
			wantLog: "Waiting; the agent never re-creates a recorded group",
		},
		"kernel names reordered between boots": {
			reason: "after a reboot nvme0n1 is another SSD: identities decide, nothing is created",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				m.reboot(1000)
				// Rotate the kernel names: the SSD that was nvme0n1 is now nvme1n1, and so on.
				for i, n := range matrixNVMe {
					next := matrixNVMe[(i+1)%len(matrixNVMe)]
					require.NoError(t, graidctlsim.AddNVMe(m.nodeRoot, next+".new", "eui."+n, 64<<20))
				}
				for _, n := range matrixNVMe {
					require.NoError(t, os.RemoveAll(filepath.Join(m.nodeRoot, "sys/class/block", n)))
					require.NoError(t, os.Rename(filepath.Join(m.nodeRoot, "sys/class/block", n+".new"), filepath.Join(m.nodeRoot, "sys/class/block", n)))
					require.NoError(t, os.Rename(filepath.Join(m.nodeRoot, "dev", n+".new"), filepath.Join(m.nodeRoot, "dev", n)))
				}
				for i, n := range matrixNVMe {
					m.link("eui."+n, matrixNVMe[(i+1)%len(matrixNVMe)])
				}
				st, cmds := m.run(m.layout())
				assert.False(t, st.Ready)
				require.NoError(t, graidctlsim.FinishImport(m.statePath, m.nodeRoot))
				st2, cmds2 := m.run(m.layout())
				return st2, append(cmds, cmds2...)
			},
			wantReady: true,
			wantLog:   "Waiting; the agent never re-creates a recorded group",
		},
		"a drive replaced": {
			reason: "a failed SSD replaced by a blank one: the group is served degraded, the new SSD is not touched",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				m.reboot(0)
				m.editSim(func(s *graidctlsim.State) { s.PDs[2].Missing = true })
				require.NoError(t, graidctlsim.AddNVMe(m.nodeRoot, "nvme2n1", "eui.replacement", 64<<20))
				m.link("eui.replacement", "nvme2n1")
				require.NoError(t, os.Remove(filepath.Join(m.nodeRoot, "dev/disk/by-id/nvme-SIM_eui.nvme2n1")))
				return m.run(m.layout())
			},
			wantReady: true,
			wantLog:   "DEGRADED",
		},
		"allowInitialize naming the OS disk": {
			reason: "the drive allowInitialize names holds the node's root filesystem: refused whatever the config says",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				osDisk := loopDevice(t, m.dir, "os.img")
				mustExec(t, "mkfs.xfs", "-q", osDisk)
				root := filepath.Join(m.hostRoot, "sysroot")
				require.NoError(t, os.MkdirAll(root, 0o755))
				mustExec(t, "mount", osDisk, root)
				require.NoError(t, os.WriteFile(root+"/canary", []byte("canary of the OS disk\n"), 0o644))
				st, cmds := m.run(m.withExtraGroup(m.addDrive(osDisk), true))
				b, err := os.ReadFile(root + "/canary")
				assert.NoError(t, err)
				assert.Equal(t, "canary of the OS disk\n", string(b))
				return st, cmds
			},
			wantLog: "refusing to touch a drive the host uses, whatever allowInitialize says",
		},
		"allowInitialize naming a drive mounted in another mount namespace": {
			reason: "a pod's private mount namespace holds a filesystem on the drive, which the agent's mount table does not show: refused whatever allowInitialize says",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				requireTool(t, "unshare")
				other := loopDevice(t, m.dir, "other.img")
				mustExec(t, "mkfs.xfs", "-q", other)
				mnt := filepath.Join(m.dir, "othermnt")
				require.NoError(t, os.MkdirAll(mnt, 0o755))
				ready := filepath.Join(m.dir, "holder.ready")
				holder := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
					"mount "+other+" "+mnt+" && echo canary of the tenant > "+mnt+"/canary && sync && touch "+ready+" && exec sleep 600")
				require.NoError(t, holder.Start())
				defer func() { _ = holder.Process.Kill(); _ = holder.Wait() }()
				waitFor(t, func() bool { _, err := os.Stat(ready); return err == nil })
				mounts, err := ReadMountInfo("/proc/self/mountinfo")
				require.NoError(t, err)
				_, visible := FindMount(mounts, mnt)
				require.False(t, visible, "the tenant's mount must be invisible to the agent (that is the trap)")
				st, cmds := m.run(m.withExtraGroup(m.addDrive(other), true))
				_ = holder.Process.Kill()
				_ = holder.Wait()
				assert.Equal(t, "canary of the tenant", readCanary(t, m.dir, other))
				return st, cmds
			},
			wantLog: "refusing to touch a drive the host uses, whatever allowInitialize says",
		},
		"stale by-id link with allowInitialize": {
			reason: "a by-id link named for one WWID resolves to another SSD (a swap udev has not caught up with): allowInitialize was given for the named SSD, never for this one",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				other := loopDevice(t, m.dir, "other.img")
				mustExec(t, "mkfs.xfs", "-q", other)
				scratch := filepath.Join(m.dir, "othermnt")
				require.NoError(t, os.MkdirAll(scratch, 0o755))
				mustExec(t, "mount", other, scratch)
				require.NoError(t, os.WriteFile(scratch+"/canary", []byte("canary of the tenant\n"), 0o644))
				mustExec(t, "umount", scratch)
				m.addDrive(other) // nvme4n1, WWID eui.nvme4n1
				stale := filepath.Join(m.nodeRoot, "dev/disk/by-id/nvme-eui.gone")
				require.NoError(t, os.Symlink("../../nvme4n1", stale))
				st, cmds := m.run(m.withExtraGroup("/dev/disk/by-id/nvme-eui.gone", true))
				assert.Equal(t, "canary of the tenant", readCanary(t, m.dir, other))
				return st, cmds
			},
			wantLog: "names WWID eui.gone but resolves to /dev/nvme4n1, whose WWID is eui.nvme4n1",
		},
		"another SSD takes the kernel name between probe and create": {
			reason: "after the probe found nvme5n1 blank, the name now belongs to an SSD with data: identity is checked again right before create pd, nothing is created",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				other := loopDevice(t, m.dir, "other.img")
				mustExec(t, "mkfs.xfs", "-q", other)
				scratch := filepath.Join(m.dir, "othermnt")
				require.NoError(t, os.MkdirAll(scratch, 0o755))
				mustExec(t, "mount", other, scratch)
				require.NoError(t, os.WriteFile(scratch+"/canary", []byte("canary of the tenant\n"), 0o644))
				mustExec(t, "umount", scratch)
				blank := loopDevice(t, m.dir, "blank.img")
				l := m.withExtraGroup(m.addDrive(blank), false)
				swapped := false
				m.prober = proberFunc(func(ctx context.Context, dev string) (Signature, error) {
					sig, err := BlkidProber{}.Probe(ctx, dev)
					if strings.HasSuffix(dev, "/dev/nvme5n1") && !swapped {
						swapped = true
						node := filepath.Join(m.nodeRoot, "dev/nvme5n1")
						require.NoError(t, os.Remove(node))
						var st syscall.Stat_t
						require.NoError(t, syscall.Stat(other, &st))
						require.NoError(t, syscall.Mknod(node, syscall.S_IFBLK|0o600, int(st.Rdev)))
						require.NoError(t, os.WriteFile(filepath.Join(m.nodeRoot, "sys/class/block/nvme5n1/wwid"), []byte("eui.intruder\n"), 0o644))
					}
					return sig, err
				})
				st, cmds := m.run(l)
				require.True(t, swapped, "the probe of nvme5n1 must have run")
				assert.Equal(t, "canary of the tenant", readCanary(t, m.dir, other))
				return st, cmds
			},
			wantLog: "changed since it was probed",
		},
		"record corrupted": {
			reason: "a half-written or damaged record is never read as an empty one: nothing is created, the agent says what to fix",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				p := filepath.Join(m.hostRoot, DefaultStateDir, recordFile)
				b, err := os.ReadFile(p)
				require.NoError(t, err)
				require.NoError(t, os.WriteFile(p, b[:len(b)/2], 0o600))
				m.reboot(0)
				return m.run(m.layout())
			},
			wantLog: "parsing node record",
		},
		"record lost while graid lists the array": {
			reason: "without the record the agent knows neither which SSDs its by-id names meant (their NVMe nodes are PDs now) nor which VD holds which mount's data: refused, nothing created, formatted or mounted",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				require.NoError(t, os.Remove(filepath.Join(m.hostRoot, DefaultStateDir, recordFile)))
				m.reboot(0)
				return m.run(m.layout())
			},
			wantLog: "no SupremeRAID physical drive is recorded for it",
		},
		"graidctl output cut in half": {
			reason: "a listing that is not whole JSON fails the pass: nothing is created, the mounts stay",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				m.editSim(func(s *graidctlsim.State) { s.Garble = []string{"ls vd"} })
				l := m.layout()
				vds := l.DriveGroups[0].VirtualDrives
				l.DriveGroups[0].VirtualDrives = []VirtualDrive{vds[0], {Size: "1Gi", Filesystem: m.fs, MountPath: "/var/mnt/sr/new"}, vds[1]}
				st, cmds := m.run(l)
				for _, mp := range []string{"/var/mnt/sr/vd0", "/var/mnt/sr/vd1"} {
					assert.Equal(t, "canary of "+mp, m.mountedCanary(mp), "a failed pass leaves mounts in place")
				}
				m.editSim(func(s *graidctlsim.State) { s.Garble = nil })
				return st, cmds
			},
			wantLog: "decoding graidctl JSON",
		},
		"create vd reports failure after creating": {
			reason: "graid made the VD but graidctl said it failed: the next pass finds the recorded intent listed, confirms it, formats only that new VD, creates nothing twice",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				m.editSim(func(s *graidctlsim.State) { s.FailAfter = []string{"create vd"} })
				l := m.layout()
				vds := l.DriveGroups[0].VirtualDrives
				l.DriveGroups[0].VirtualDrives = []VirtualDrive{vds[0], {Size: "1Gi", Filesystem: m.fs, MountPath: "/var/mnt/sr/new"}, vds[1]}
				st, cmds := m.run(l)
				assert.False(t, st.Ready)
				st2, cmds2 := m.run(l)
				assert.Equal(t, "canary of /var/mnt/sr/vd0", m.mountedCanary("/var/mnt/sr/vd0"))
				assert.Equal(t, "canary of /var/mnt/sr/vd1", m.mountedCanary("/var/mnt/sr/vd1"))
				return st2, append(cmds, cmds2...)
			},
			wantReady:  true,
			wantCreate: []string{"create vd 0 1G"},
			wantLog:    "simulated failure after create vd took effect",
		},
		"create pd and create dg report failure after creating": {
			reason: "graid made the PD (then the DG) but graidctl said it failed: later passes find them listed and go on, creating nothing twice",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				vd := loopDevice(t, m.dir, "gdg1n1.img")
				m.loops["/dev/gdg1n1"] = vd
				m.editSim(func(s *graidctlsim.State) {
					s.VDLinks["/dev/gdg1n1"] = vd
					s.FailAfter = []string{"create pd", "create dg"}
				})
				l := m.withExtraGroup(m.addDrive(loopDevice(t, m.dir, "blank.img")), false)
				var st Status
				var cmds []string
				for i := 0; i < 3; i++ {
					var c []string
					st, c = m.run(l)
					cmds = append(cmds, c...)
				}
				return st, cmds
			},
			wantReady:  true,
			wantCreate: []string{"create pd /dev/nvme4n1", "create pd /dev/nvme5n1", "create dg raid1 4-5", "create vd 1"},
			wantLog:    "simulated failure after create dg took effect",
		},
		"read errors on probe": {
			reason: "every read of the new drive fails (EIO): not blank, even with allowInitialize",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				return m.run(m.withExtraGroup(m.addDrive(failingDevice(t, m.dir)), true))
			},
			wantLog: "input/output error",
		},
		"primary GPT wiped, backup intact": {
			reason: "blkid sees nothing, the backup GPT at the end is still there: not blank",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				// Partition the backing file, zero the primary GPT (LBA 0-33), then attach it.
				img := sparseFile(t, m.dir, "gpt.img", 128<<20)
				sfdisk := exec.Command(requireTool(t, "sfdisk"), "-q", img)
				sfdisk.Stdin = strings.NewReader("label: gpt\n,\n")
				out, err := sfdisk.CombinedOutput()
				require.NoError(t, err, "%s", out)
				mustExec(t, "dd", "if=/dev/zero", "of="+img, "bs=512", "count=34", "conv=notrunc")
				out, err = exec.Command("losetup", "-f", "--show", img).CombinedOutput()
				require.NoError(t, err, "%s", out)
				disk := strings.TrimSpace(string(out))
				t.Cleanup(func() { _ = exec.Command("losetup", "-d", disk).Run() })
				out, err = exec.Command("blkid", "-p", disk).CombinedOutput()
				require.Error(t, err, "blkid must see nothing here (that is the trap): %s", out)
				st, cmds := m.run(m.withExtraGroup(m.addDrive(disk), false))
				out, err = exec.Command("wipefs", "--no-act", "--parsable", disk).Output()
				require.NoError(t, err)
				assert.Contains(t, string(out), "gpt", "the backup GPT must be intact")
				return st, cmds
			},
			wantLog: "(backup header) signature",
		},
		"graidctl hanging": {
			reason: "graidctl never returns: the pass times out, nothing is created, mounts stay",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				m.timeout = time.Second
				m.editSim(func(s *graidctlsim.State) { s.Hang = []string{"ls pd"} })
				start := time.Now()
				st, _ := m.run(m.layout())
				assert.Less(t, time.Since(start), 10*time.Second, "a hung graidctl must not hold the pass")
				for _, mp := range []string{"/var/mnt/sr/vd0", "/var/mnt/sr/vd1"} {
					assert.Equal(t, "canary of "+mp, m.mountedCanary(mp), "a failed pass leaves mounts in place")
				}
				m.editSim(func(s *graidctlsim.State) { s.Hang = nil })
				return st, nil
			},
			wantLog: "timed out after 1s",
		},
		"VD inserted in the middle": {
			reason: "a new VD between two existing ones: each mount path keeps its own filesystem, only the new VD is made",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				l := m.layout()
				vds := l.DriveGroups[0].VirtualDrives
				l.DriveGroups[0].VirtualDrives = []VirtualDrive{vds[0], {Size: "1Gi", Filesystem: m.fs, MountPath: "/var/mnt/sr/middle"}, vds[1]}
				m.reboot(0)
				st, cmds := m.run(l)
				for _, mp := range []string{"/var/mnt/sr/vd0", "/var/mnt/sr/vd1"} {
					assert.Equal(t, "canary of "+mp, m.mountedCanary(mp), "%s must hold its own filesystem", mp)
				}
				return st, cmds
			},
			wantReady:  true,
			wantCreate: []string{"create vd 0 1G"},
			wantLog:    "made " + "FS" + " on /dev/gdg0n3",
		},
		"size change": {
			reason: "the layout changes a VD's size: refused clearly, the VD stays served",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				l := m.layout()
				l.DriveGroups[0].VirtualDrives[0].Size = "2Gi"
				m.reboot(0)
				st, cmds := m.run(l)
				assert.Equal(t, "canary of /var/mnt/sr/vd0", m.mountedCanary("/var/mnt/sr/vd0"))
				return st, cmds
			},
			wantLog: "size changed from 1Gi to 2Gi",
		},
		"one drive of the RAID5 missing": {
			reason: "a degraded group is served and reported",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				m.reboot(0)
				m.editSim(func(s *graidctlsim.State) { s.PDs[3].Missing = true })
				require.NoError(t, os.Remove(filepath.Join(m.nodeRoot, "dev/disk/by-id/nvme-SIM_eui.nvme3n1")))
				st, cmds := m.run(m.layout())
				assert.Equal(t, "canary of /var/mnt/sr/vd1", m.mountedCanary("/var/mnt/sr/vd1"))
				return st, cmds
			},
			wantReady: true,
			wantLog:   "drive group 0 is DEGRADED",
		},
		"tenant mount namespace holds the VD at shutdown": {
			reason: "a tenant's mount namespace keeps the filesystem alive after the host umount: reported unclean, never counted as unmounted",
			fault: func(t *testing.T, m *mnode) (Status, []string) {
				requireTool(t, "unshare")
				holder := exec.Command("unshare", "-m", "--propagation", "private", "sleep", "600")
				require.NoError(t, holder.Start())
				defer func() { _ = holder.Process.Kill(); _ = holder.Wait() }()
				time.Sleep(300 * time.Millisecond) // let unshare copy the mount table
				ctx, cancel := context.WithCancel(context.Background())
				sink := &cancelSink{n: 1, cancel: cancel}
				err := Loop(ctx, m.layout(), m.deps(), sink, time.Hour)
				require.Error(t, err)
				assert.Contains(t, err.Error(), "another mount namespace")
				_ = holder.Process.Kill()
				_ = holder.Wait()
				assert.NoError(t, waitReleased(context.Background(), m.deps(), m.loops["/dev/gdg0n1"]), "released once the tenant namespace is gone")
				return Status{}, nil
			},
			wantLog: "UNCLEAN",
		},
	}
	for _, fs := range []string{"xfs", "ext4"} {
		for name, sc := range scenarios {
			t.Run(fs+"/"+name, func(t *testing.T) {
				m := newMNode(t, fs)
				m.mustReady(m.layout())
				m.writeCanaries(m.layout())
				st, cmds := sc.fault(t, m)
				want := sc.wantCreate
				assert.Equal(t, want, creates(cmds), "%s: graidctl creates after the fault", sc.reason)
				assert.Equal(t, sc.wantReady, st.Ready, "%s: readiness; reasons %q", sc.reason, st.Reasons)
				assert.Contains(t, m.logs.String(), strings.ReplaceAll(sc.wantLog, "FS", fs), "%s: log line", sc.reason)
				m.checkCanaries()
			})
		}
	}
}

// TestKillBetweenSteps kills the agent right after each step that outlives it (record, create
// pd, create dg, create vd, mkfs, mount); the next start must finish the job without creating
// anything twice and without formatting over a filesystem it already made.
func TestKillBetweenSteps(t *testing.T) {
	for _, fs := range []string{"xfs", "ext4"} {
		for _, step := range []string{"record", "create pd", "create dg", "create vd", "mkfs", "mount"} {
			t.Run(fs+"/"+step, func(t *testing.T) {
				m := newMNode(t, fs)
				full := m.layout()
				first := m.layout()
				late := step == "create vd" || step == "mkfs" || step == "mount"
				if late {
					// vd0 exists with a canary; the kill hits while vd1 is being added.
					first.DriveGroups[0].VirtualDrives = first.DriveGroups[0].VirtualDrives[:1]
					m.mustReady(first)
					m.writeCanaries(first)
					first = full
				}
				require.True(t, m.runKilledAt(first, step), "the pass must reach %q", step)
				m.mustReady(full)
				var all []string
				for _, c := range m.sim().Log {
					if strings.HasPrefix(c, "create") || strings.HasPrefix(c, "del") {
						all = append(all, c)
					}
				}
				assert.Equal(t, []string{"create pd /dev/nvme0n1", "create pd /dev/nvme1n1", "create pd /dev/nvme2n1", "create pd /dev/nvme3n1",
					"create dg raid5 0-3", "create vd 0 1G", "create vd 0"}, all, "every object created exactly once")
				rec, err := loadRecord(filepath.Join(m.hostRoot, DefaultStateDir))
				require.NoError(t, err)
				for i, v := range rec.Groups[0].VDs {
					loop := m.loops[fmt.Sprintf("/dev/gdg0n%d", i+1)]
					assert.Equal(t, v.FSUUID, blkidValue(t, loop, "UUID"), "%s carries the filesystem the record announced", v.MountPath)
					assert.True(t, v.Formatted)
				}
				m.writeCanaries(full)
				m.reboot(2) // one pass sees graid still importing
				st, cmds := m.run(full)
				assert.False(t, st.Ready, "before import")
				assert.Empty(t, creates(cmds))
				m.mustReady(full)
				m.checkCanaries()
				assert.Contains(t, m.logs.String(), "ready: every configured virtual drive is mounted")
			})
		}
	}
}

// failingDevice is a loop device whose every read fails with EIO: its backing file lives on an
// XFS that has been shut down (xfs_io -x -c shutdown). Device-mapper's error target would do the
// same, but this sandbox's kernel has no device-mapper.
func failingDevice(t *testing.T, dir string) string {
	t.Helper()
	requireTool(t, "xfs_io")
	outer := loopDevice(t, dir, "outer.img")
	mustExec(t, "mkfs.xfs", "-q", outer)
	mnt := filepath.Join(dir, "outer")
	require.NoError(t, os.MkdirAll(mnt, 0o755))
	mustExec(t, "mount", outer, mnt)
	t.Cleanup(func() { _ = exec.Command("umount", "-l", mnt).Run() })
	inner := sparseFile(t, mnt, "inner.img", 64<<20)
	out, err := exec.Command("losetup", "-f", "--show", inner).CombinedOutput()
	require.NoError(t, err, "%s", out)
	dev := strings.TrimSpace(string(out))
	t.Cleanup(func() { _ = exec.Command("losetup", "-d", dev).Run() })
	mustExec(t, "xfs_io", "-x", "-c", "shutdown", mnt)
	f, err := os.Open(dev)
	require.NoError(t, err)
	defer f.Close()
	_, err = f.ReadAt(make([]byte, 4096), 0)
	require.ErrorIs(t, err, syscall.EIO, "reads of the failing device must fail with EIO")
	return dev
}

// proberFunc adapts a function to Prober.
type proberFunc func(ctx context.Context, dev string) (Signature, error)

func (f proberFunc) Probe(ctx context.Context, dev string) (Signature, error) { return f(ctx, dev) }

// readCanary mounts dev read-only and returns its canary file's content.
func readCanary(t *testing.T, dir, dev string) string {
	t.Helper()
	mnt, err := os.MkdirTemp(dir, "canary-")
	require.NoError(t, err)
	mustExec(t, "mount", "-o", "ro", dev, mnt)
	defer func() { _ = exec.Command("umount", mnt).Run() }()
	b, err := os.ReadFile(mnt + "/canary")
	if err != nil {
		return err.Error()
	}
	return strings.TrimSpace(string(b))
}

// TestKilledVDIntentThenReordered: the agent dies after recording a new VD's intent (with the
// id graid would give it) but before `create vd`; the admin then reorders the new VDs in the
// layout, so the other new VD is created first and gets that id. The stale intent must not be
// taken for a VD that already exists: each mount path ends with its own VD and filesystem.
func TestKilledVDIntentThenReordered(t *testing.T) {
	m := newMNode(t, "xfs")
	base := m.layout()
	base.DriveGroups[0].VirtualDrives = base.DriveGroups[0].VirtualDrives[:1]
	m.mustReady(base)
	m.writeCanaries(base)
	b := VirtualDrive{Size: "1Gi", Filesystem: "xfs", MountPath: "/var/mnt/sr/b"}
	c := VirtualDrive{Size: "1Gi", Filesystem: "xfs", MountPath: "/var/mnt/sr/c"}
	first := m.layout()
	first.DriveGroups[0].VirtualDrives = []VirtualDrive{base.DriveGroups[0].VirtualDrives[0], b, c}
	require.True(t, m.runKilledAt(first, "record vd"), "the pass must record b's intent")
	reordered := m.layout()
	reordered.DriveGroups[0].VirtualDrives = []VirtualDrive{base.DriveGroups[0].VirtualDrives[0], c, b}
	st, cmds := m.run(reordered)
	require.True(t, st.Ready, "node not ready: %q\n%s", st.Reasons, m.logs.String())
	assert.Equal(t, []string{"create vd 0 1G", "create vd 0 1G"}, creates(cmds), "b and c are each created once")
	rec, err := loadRecord(filepath.Join(m.hostRoot, DefaultStateDir))
	require.NoError(t, err)
	ids := map[int]string{}
	for _, v := range rec.Groups[0].VDs {
		if other, dup := ids[v.VdID]; dup {
			t.Errorf("%s and %s are both recorded as virtual drive %d", other, v.MountPath, v.VdID)
		}
		ids[v.VdID] = v.MountPath
	}
	m.checkCanaries()
}

// TestStopDuringFirstInstall: SIGTERM arrives while the first pass creates the array. The
// command in flight finishes, no new create, mkfs or mount starts (the grace period belongs to
// unmounting and to stopping graid), and the next start finishes the job from the record,
// creating nothing twice.
func TestStopDuringFirstInstall(t *testing.T) {
	m := newMNode(t, "xfs")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	old := afterStep
	afterStep = func(s string) {
		if s == "create pd" {
			cancel() // the SIGTERM, right after the first create pd
		}
	}
	err := Loop(ctx, m.layout(), m.deps(), &cancelSink{n: -1, cancel: func() {}}, time.Hour)
	afterStep = old
	require.NoError(t, err)
	assert.Equal(t, []string{"create pd /dev/nvme0n1"}, creates(m.sim().Log), "nothing after the command in flight")
	assert.Contains(t, m.logs.String(), "the agent is stopping")

	m.mustReady(m.layout())
	assert.Equal(t, []string{"create pd /dev/nvme0n1", "create pd /dev/nvme1n1", "create pd /dev/nvme2n1", "create pd /dev/nvme3n1",
		"create dg raid5 0-3", "create vd 0 1G", "create vd 0"}, creates(m.sim().Log), "every object created exactly once")
}
