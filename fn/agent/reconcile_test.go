package agent

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
)

func simLayout(t *testing.T, keyFile string) *Layout {
	t.Helper()
	b, err := os.ReadFile("testdata/layout-sim.json")
	if err != nil {
		t.Fatal(err)
	}
	l, err := ParseLayout(b)
	if err != nil {
		t.Fatal(err)
	}
	l.License.KeyFile = keyFile
	return l
}

var freshCmds = []string{
	"apply license <redacted>",
	"create pd /dev/nvme0n1",
	"create pd /dev/nvme1n1",
	"create pd /dev/nvme2n1",
	"create pd /dev/nvme3n1",
	"create dg raid5 0-3",
	"create vd 0 1G",
	"create vd 0",
}

var allNVMe = []string{"nvme0n1", "nvme1n1", "nvme2n1", "nvme3n1"}

func TestRunTable(t *testing.T) {
	cases := map[string]struct {
		reason string
		state  *graidctlsim.State // simulator state before the tested pass
		nvme   []string           // NVMe namespaces present on the node
		// setup prepares the node (it may run earlier agent passes) and
		// may change the layout of the tested pass.
		setup       func(t *testing.T, e *env, l *Layout)
		wantCmds    []string // graidctl commands (not ls) of the tested pass
		wantReady   bool
		wantRefused bool
		wantReasons []string // substrings, one per reason
		check       func(t *testing.T, e *env, st Status)
	}{
		"fresh node": {
			reason:    "blank drives, no license: license, 4 PDs, a raid5 DG, 2 VDs, mkfs, mounts, tenant dirs",
			nvme:      allNVMe,
			wantCmds:  freshCmds,
			wantReady: true,
			check: func(t *testing.T, e *env, st Status) {
				sim := e.state()
				if !sim.Licensed || len(sim.PDs) != 4 || len(sim.DGs) != 1 || sim.DGs[0].Level != "RAID5" || len(sim.VDs) != 2 {
					t.Errorf("final simulator state: %+v", sim)
				}
				if sig := e.probe("/dev/gdg0n1"); sig.Type != "xfs" {
					t.Errorf("VD 0 should carry xfs, got %+v", sig)
				}
				if sig := e.probe("/dev/gdg0n2"); sig.Type != "ext4" {
					t.Errorf("VD 1 should carry ext4, got %+v", sig)
				}
				wantMounts := []string{
					"mount -t xfs -o noatime " + e.vdFile("/dev/gdg0n1") + " " + e.hostRoot + "/var/mnt/supremeraid/vd0",
					"mount -t ext4 -o  " + e.vdFile("/dev/gdg0n2") + " " + e.hostRoot + "/var/mnt/supremeraid/vd1",
				}
				if diff := cmp.Diff(wantMounts, e.mounter.calls); diff != "" {
					t.Errorf("mounts -want +got:\n%s", diff)
				}
				checkTenantDir(t, e, "/var/mnt/supremeraid/vd0/project1", 1000, 100)
				checkTenantDir(t, e, "/var/mnt/supremeraid/vd0/project2", 1001, 100)
				rec, err := loadRecord(filepath.Join(e.hostRoot, "/var/lib/supremeraid-node"))
				if err != nil || rec.Names["/dev/nvme3n1"] != "eui.nvme3n1" {
					t.Errorf("drive record must hold every WWID: %+v %v", rec, err)
				}
				if strings.Contains(e.logs.String(), testLicenseKey) {
					t.Error("the license key must never be logged")
				}
			},
		},
		"already configured": {
			reason: "a second pass on a configured node runs no create at all and keeps filesystems",
			nvme:   allNVMe,
			setup: func(t *testing.T, e *env, l *Layout) {
				mustReady(t, e, l)
				e.mounter.calls = nil
			},
			wantReady: true,
			check: func(t *testing.T, e *env, st Status) {
				if len(st.Changes) != 0 || len(e.mounter.calls) != 0 {
					t.Errorf("nothing may change: changes %q, mount calls %q", st.Changes, e.mounter.calls)
				}
			},
		},
		"already configured, agent restarted with mounts gone": {
			reason: "after a reboot the RAID exists and the filesystems are kept: mount only, no mkfs",
			nvme:   allNVMe,
			setup: func(t *testing.T, e *env, l *Layout) {
				mustReady(t, e, l)
				uuid := e.probe("/dev/gdg0n1").UUID
				t.Cleanup(func() {
					if got := e.probe("/dev/gdg0n1").UUID; got != uuid {
						t.Errorf("filesystem was recreated: UUID %s -> %s", uuid, got)
					}
				})
				e.mounter.reboot(t)
			},
			wantReady: true,
			check: func(t *testing.T, e *env, st Status) {
				for _, c := range st.Changes {
					if strings.HasPrefix(c, "made ") {
						t.Errorf("no mkfs on a restart: %q", c)
					}
				}
			},
		},
		"half configured": {
			reason: "a VD added to the layout: only that VD is created, formatted and mounted",
			nvme:   allNVMe,
			setup: func(t *testing.T, e *env, l *Layout) {
				first := *l
				first.DriveGroups = []DriveGroup{l.DriveGroups[0]}
				first.DriveGroups[0].VirtualDrives = l.DriveGroups[0].VirtualDrives[:1]
				mustReady(t, e, &first)
			},
			wantCmds:  []string{"create vd 0"},
			wantReady: true,
			check: func(t *testing.T, e *env, st Status) {
				want := []string{"created virtual drive 100% in drive group 0 for /var/mnt/supremeraid/vd1",
					"made ext4 on /dev/gdg0n2", "mounted /dev/gdg0n2 at " + e.hostRoot + "/var/mnt/supremeraid/vd1"}
				if diff := cmp.Diff(want, st.Changes); diff != "" {
					t.Errorf("changes -want +got:\n%s", diff)
				}
			},
		},
		"restart mid-way": {
			reason: "a pass that died between create dg and create vd is completed by the next one",
			nvme:   allNVMe,
			state:  &graidctlsim.State{FailOnce: []string{"create vd"}},
			setup: func(t *testing.T, e *env, l *Layout) {
				st, cmds := e.run(l)
				if st.Ready || !strings.Contains(strings.Join(st.Reasons, " "), "simulated failure") {
					t.Fatalf("the interrupted pass must not be ready: %+v", st)
				}
				if diff := cmp.Diff(append(freshCmds[:6:6], "create vd 0 1G"), cmds); diff != "" {
					t.Fatalf("interrupted pass -want +got:\n%s", diff)
				}
				if sim := e.state(); len(sim.DGs) != 1 || len(sim.VDs) != 0 {
					t.Fatalf("state after the crash should have the DG and no VD: %+v", sim)
				}
			},
			wantCmds:  []string{"create vd 0 1G", "create vd 0"},
			wantReady: true,
		},
		"foreign data": {
			reason:      "a partition table on a raw NVMe without allowInitialize: refuse, create nothing, format nothing",
			state:       &graidctlsim.State{Licensed: true},
			nvme:        allNVMe,
			setup:       func(t *testing.T, e *env, l *Layout) { writeMBR(t, filepath.Join(e.nodeRoot, "dev/nvme2n1")) },
			wantRefused: true,
			wantReasons: []string{"driveGroups[0].physicalDrives[2]: /dev/nvme2n1 holds a dos partition table; refusing to make it a SupremeRAID physical drive because its data would be destroyed. If that data may go, list this drive in allowInitialize"},
			check: func(t *testing.T, e *env, st Status) {
				if sim := e.state(); len(sim.PDs) != 0 {
					t.Errorf("no PD may be created: %+v", sim.PDs)
				}
				if len(st.Changes) != 0 || len(e.mounter.calls) != 0 {
					t.Errorf("nothing may change: %q %q", st.Changes, e.mounter.calls)
				}
				if !strings.Contains(e.logs.String(), "REFUSED: driveGroups[0].physicalDrives[2]") {
					t.Errorf("the refusal must be logged clearly:\n%s", e.logs.String())
				}
				if sig := e.probe("/dev/nvme2n1"); sig.PTType != "dos" {
					t.Errorf("the foreign partition table must be intact, got %+v", sig)
				}
			},
		},
		"foreign data allowed": {
			reason: "allowInitialize on that drive lets the agent take it",
			state:  &graidctlsim.State{Licensed: true},
			nvme:   allNVMe,
			setup: func(t *testing.T, e *env, l *Layout) {
				writeMBR(t, filepath.Join(e.nodeRoot, "dev/nvme2n1"))
				l.DriveGroups[0].PhysicalDrives[2].Device = e.link(t, "by-id/nvme-TEST_nvme2n1", "../../nvme2n1")
				l.DriveGroups[0].PhysicalDrives[2].AllowInitialize = true
			},
			wantCmds:  freshCmds[1:],
			wantReady: true,
		},
		"license missing": {
			reason:    "unlicensed controller: the key from the mounted Secret is applied",
			state:     &graidctlsim.State{},
			nvme:      allNVMe,
			wantCmds:  freshCmds,
			wantReady: true,
		},
		"license key file missing": {
			reason:      "unlicensed and no key: refuse before touching any drive",
			nvme:        allNVMe,
			setup:       func(t *testing.T, e *env, l *Layout) { os.Remove(e.keyFile) },
			wantRefused: true,
			wantReasons: []string{"license.keyFile: no SupremeRAID controller is ONLINE and the license key cannot be read from"},
		},
		"device missing": {
			reason:      "a configured NVMe that is not there: refuse, create nothing",
			state:       &graidctlsim.State{Licensed: true},
			nvme:        allNVMe[:3],
			wantRefused: true,
			wantReasons: []string{"driveGroups[0].physicalDrives[3]: device /dev/nvme3n1 not found and no SupremeRAID physical drive is recorded for it"},
			check: func(t *testing.T, e *env, st Status) {
				if sim := e.state(); len(sim.PDs) != 0 {
					t.Errorf("no PD may be created when one drive is missing: %+v", sim.PDs)
				}
			},
		},
		"different raid level": {
			reason: "the drives already form a raid6 group: refuse, never rebuild it",
			state:  &graidctlsim.State{Licensed: true},
			nvme:   allNVMe,
			setup: func(t *testing.T, e *env, l *Layout) {
				l6 := *l
				l6.DriveGroups = []DriveGroup{l.DriveGroups[0]}
				l6.DriveGroups[0].RAIDLevel = "raid6"
				l6.DriveGroups[0].VirtualDrives = l.DriveGroups[0].VirtualDrives[:1]
				mustReady(t, e, &l6)
			},
			wantRefused: true,
			wantReasons: []string{"driveGroups[0]: drive group 0 is RAID6 but the layout asks for raid5; the agent never changes an existing drive group"},
		},
		"drive group with other drives": {
			reason: "an admin-made DG that includes one of our drives and a stranger: refuse",
			state:  &graidctlsim.State{Licensed: true},
			nvme:   append(allNVMe, "nvme4n1"),
			setup: func(t *testing.T, e *env, l *Layout) {
				// The agent's record says which WWIDs are ours (as after a crash).
				rec := &nodeRecord{Version: 2, Names: map[string]string{"/dev/nvme0n1": "eui.nvme0n1"}}
				rec.setDrive(DriveID{Wwid: "eui.nvme0n1"}, stateConfirmed)
				if err := rec.save(filepath.Join(e.hostRoot, "/var/lib/supremeraid-node")); err != nil {
					t.Fatal(err)
				}
				e.sim("create", "pd", "/dev/nvme0n1")
				e.sim("create", "pd", "/dev/nvme4n1")
				e.sim("create", "dg", "raid1", "0-1")
			},
			wantRefused: true,
			wantReasons: []string{"driveGroups[0]: drive group 0 holds physical drives [0 1] but the layout's drives are physical drives [0] plus 3 drive(s)"},
		},
		"virtual drive holds another filesystem": {
			reason: "a VD with xfs where the layout now says ext4: refuse, no mkfs, no mount",
			nvme:   allNVMe,
			setup: func(t *testing.T, e *env, l *Layout) {
				mustReady(t, e, l)
				e.mounter.reboot(t)
				l.DriveGroups[0].VirtualDrives[0].Filesystem = "ext4"
			},
			wantRefused: true,
			wantReasons: []string{
				"driveGroups[0].virtualDrives[0]: virtual drive 0/0 was made with xfs but the layout now says ext4; refusing to format or mount it",
			},
			check: func(t *testing.T, e *env, st Status) {
				if sig := e.probe("/dev/gdg0n1"); sig.Type != "xfs" {
					t.Errorf("the xfs filesystem must be intact, got %+v", sig)
				}
				if len(e.mounter.calls) != 1 || !strings.Contains(e.mounter.calls[0], "vd1") {
					t.Errorf("only the other VD may be mounted: %q", e.mounter.calls)
				}
			},
		},
		"mount point not empty": {
			reason: "files in the mount point would be hidden: refuse to mount there",
			nvme:   allNVMe,
			setup: func(t *testing.T, e *env, l *Layout) {
				dir := filepath.Join(e.hostRoot, "/var/mnt/supremeraid/vd1")
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(filepath.Join(dir, "stray"), []byte("x"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantCmds:    freshCmds,
			wantRefused: true,
			wantReasons: []string{"driveGroups[0].virtualDrives[1]: mount point " + "HOST/var/mnt/supremeraid/vd1 is not empty"},
		},
		"drives named by by-id links": {
			reason: "graidctl gets the /dev/nvmeXnY the link points to; once the PDs exist (links gone) the record keyed by the link recognises them",
			nvme:   allNVMe,
			setup: func(t *testing.T, e *env, l *Layout) {
				for i, n := range allNVMe[:2] {
					l.DriveGroups[0].PhysicalDrives[i].Device = e.link(t, "by-id/nvme-TEST_"+n, "../../"+n)
				}
			},
			wantCmds:  freshCmds,
			wantReady: true,
			check: func(t *testing.T, e *env, st Status) {
				rec, err := loadRecord(filepath.Join(e.hostRoot, "/var/lib/supremeraid-node"))
				if err != nil || rec.Names["/dev/disk/by-id/nvme-TEST_nvme0n1"] != "eui.nvme0n1" || rec.Names["/dev/nvme2n1"] != "eui.nvme2n1" {
					t.Errorf("the record must be keyed by the configured paths: %+v %v", rec, err)
				}
				l := simLayout(t, e.keyFile)
				l.DriveGroups[0].PhysicalDrives[0].Device = "/dev/disk/by-id/nvme-TEST_nvme0n1"
				l.DriveGroups[0].PhysicalDrives[1].Device = "/dev/disk/by-id/nvme-TEST_nvme1n1"
				if st, cmds := e.run(l); !st.Ready || len(cmds) != 0 {
					t.Errorf("second pass with dangling links: ready=%v reasons %q cmds %q", st.Ready, st.Reasons, cmds)
				}
			},
		},
		"link to something that is not an NVMe namespace": {
			reason: "a by-path link to a SATA disk is refused before anything is created",
			state:  &graidctlsim.State{Licensed: true},
			nvme:   allNVMe,
			setup: func(t *testing.T, e *env, l *Layout) {
				if err := os.WriteFile(filepath.Join(e.nodeRoot, "dev/sda"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
				l.DriveGroups[0].PhysicalDrives[3].Device = e.link(t, "by-path/pci-0000:00:17.0-ata-1", "../../sda")
			},
			wantRefused: true,
			wantReasons: []string{"driveGroups[0].physicalDrives[3]: cannot read the identity of /dev/disk/by-path/pci-0000:00:17.0-ata-1 (/dev/disk/by-path/pci-0000:00:17.0-ata-1 links to /dev/sda, which is not an NVMe namespace /dev/nvmeXnY)"},
			check: func(t *testing.T, e *env, st Status) {
				if sim := e.state(); len(sim.PDs) != 0 {
					t.Errorf("nothing may be created: %+v", sim.PDs)
				}
			},
		},
		"one SSD configured twice": {
			reason: "a link and an nvme path naming the same SSD: refuse instead of making one PD count twice",
			state:  &graidctlsim.State{Licensed: true},
			nvme:   allNVMe,
			setup: func(t *testing.T, e *env, l *Layout) {
				l.DriveGroups[0].PhysicalDrives[3].Device = e.link(t, "by-id/nvme-TEST_nvme0n1", "../../nvme0n1")
			},
			wantRefused: true,
			wantReasons: []string{"driveGroups[0].physicalDrives[3]: /dev/disk/by-id/nvme-TEST_nvme0n1 is the same SSD (WWID eui.nvme0n1) as driveGroups[0].physicalDrives[0]"},
		},
		"graid numbers VDs differently": {
			reason:    "the agent records the id graid lists for the new VD, not the one it expected",
			state:     &graidctlsim.State{VDIDBase: 5},
			nvme:      allNVMe,
			wantCmds:  freshCmds,
			wantReady: true,
			check: func(t *testing.T, e *env, st Status) {
				rec, err := loadRecord(filepath.Join(e.hostRoot, "/var/lib/supremeraid-node"))
				if err != nil || len(rec.Groups) != 1 || rec.Groups[0].VDs[0].VdID != 5 || rec.Groups[0].VDs[1].VdID != 6 {
					t.Fatalf("record: %+v %v", rec, err)
				}
				if st2, cmds := e.run(simLayout(t, e.keyFile)); !st2.Ready || len(cmds) != 0 {
					t.Errorf("second pass must change nothing: %q %q", st2.Reasons, cmds)
				}
			},
		},
		"graidctl asks for confirmation": {
			reason:      "a create that prompts gets no answer (no stdin): it aborts, the node is not ready, nothing else runs",
			state:       &graidctlsim.State{Prompt: true},
			nvme:        allNVMe,
			wantCmds:    []string{"apply license <redacted>", "create pd /dev/nvme0n1"},
			wantReasons: []string{"aborted: not confirmed"},
			check: func(t *testing.T, e *env, st Status) {
				if sim := e.state(); len(sim.PDs) != 0 {
					t.Errorf("nothing may be created: %+v", sim.PDs)
				}
			},
		},
		"tenant path is a symlink": {
			reason: "a symlink where a tenant directory belongs is never followed",
			nvme:   allNVMe,
			setup: func(t *testing.T, e *env, l *Layout) {
				mustReady(t, e, l)
				p := filepath.Join(e.hostRoot, "/var/mnt/supremeraid/vd0/project2")
				if err := os.Remove(p); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink("/etc", p); err != nil {
					t.Fatal(err)
				}
			},
			wantRefused: true,
			wantReasons: []string{"tenants[1]: HOST/var/mnt/supremeraid/vd0/project2 exists but is not a directory"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel() // each case has its own simulated node
			e := newEnv(t, tc.state, tc.nvme...)
			l := simLayout(t, e.keyFile)
			if tc.setup != nil {
				tc.setup(t, e, l)
			}
			st, cmds := e.run(l)
			if diff := cmp.Diff(tc.wantCmds, cmds); diff != "" {
				t.Errorf("%s\ngraidctl commands -want +got:\n%s", tc.reason, diff)
			}
			if st.Ready != tc.wantReady || st.Refused != tc.wantRefused {
				t.Errorf("%s\nready=%v refused=%v, want %v/%v; reasons %q", tc.reason, st.Ready, st.Refused, tc.wantReady, tc.wantRefused, st.Reasons)
			}
			if len(st.Reasons) != len(tc.wantReasons) {
				t.Fatalf("%s\nreasons %q, want %d", tc.reason, st.Reasons, len(tc.wantReasons))
			}
			for i, want := range tc.wantReasons {
				want = strings.ReplaceAll(want, "HOST", e.hostRoot)
				if !strings.Contains(st.Reasons[i], want) {
					t.Errorf("%s\nreason %q\nwant containing %q", tc.reason, st.Reasons[i], want)
				}
			}
			for _, c := range e.state().Log {
				if strings.HasPrefix(c, "del") {
					t.Errorf("%s\nthe agent ran a delete: %q", tc.reason, c)
				}
			}
			if tc.check != nil {
				tc.check(t, e, st)
			}
		})
	}
}

func mustReady(t *testing.T, e *env, l *Layout) {
	t.Helper()
	if st, _ := e.run(l); !st.Ready {
		t.Fatalf("setup pass not ready: %q", st.Reasons)
	}
}

func checkTenantDir(t *testing.T, e *env, p string, uid, gid int) {
	t.Helper()
	full := filepath.Join(e.hostRoot, p)
	fi, err := os.Lstat(full)
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != TenantDirMode {
		t.Errorf("tenant dir %s: %v %v", p, fi, err)
		return
	}
	if os.Geteuid() != 0 {
		if got := e.chowned[full]; got != [2]int{uid, gid} {
			t.Errorf("tenant dir %s chown %v, want %d:%d", p, got, uid, gid)
		}
		return
	}
	if uidGid(fi) != [2]int{uid, gid} {
		t.Errorf("tenant dir %s owned by %v, want %d:%d", p, uidGid(fi), uid, gid)
	}
}
