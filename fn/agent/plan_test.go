package agent

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
)

func planLayout() *Layout {
	return &Layout{
		License: License{KeyFile: "/license/key"},
		DriveGroups: []DriveGroup{{
			RAIDLevel: "raid5",
			PhysicalDrives: []PhysicalDrive{
				{Device: "/dev/nvme0n1"}, {Device: "/dev/nvme1n1"}, {Device: "/dev/nvme2n1", AllowInitialize: true},
			},
			VirtualDrives: []VirtualDrive{
				{Size: "1Gi", Filesystem: "xfs", MountPath: "/a"},
				{Size: "100%", Filesystem: "xfs", MountPath: "/b"},
			},
		}},
	}
}

func rawFacts() [][]driveFact {
	return [][]driveFact{{
		{Device: "/dev/nvme0n1", Present: true, Wwid: "w0"},
		{Device: "/dev/nvme1n1", Present: true, Wwid: "w1"},
		{Device: "/dev/nvme2n1", Present: true, Wwid: "w2"},
	}}
}

// pdFacts: all three drives are PDs already (nodes gone, WWIDs recorded).
func pdFacts() [][]driveFact {
	return [][]driveFact{{
		{Device: "/dev/nvme0n1", Wwid: "w0"},
		{Device: "/dev/nvme1n1", Wwid: "w1"},
		{Device: "/dev/nvme2n1", Wwid: "w2"},
	}}
}

func dg(i int) *int { return &i }

func pds(dgID *int, wwids ...string) []graidctl.PhysicalDrive {
	var out []graidctl.PhysicalDrive
	for i, w := range wwids {
		out = append(out, graidctl.PhysicalDrive{PdID: i, DgID: dgID, Wwid: w})
	}
	return out
}

// recorded is the record of the plan layout's group as drive group 0 with the given VDs made.
func recorded(vdIDs ...int) *nodeRecord {
	r := &nodeRecord{Names: map[string]string{}}
	for _, w := range []string{"w0", "w1", "w2"} {
		r.setDrive(DriveID{Wwid: w}, stateConfirmed)
	}
	g := recGroup{Level: "raid5", Members: []string{"w0", "w1", "w2"}, State: stateConfirmed}
	l := planLayout()
	for _, id := range vdIDs {
		v := l.DriveGroups[0].VirtualDrives[id]
		g.VDs = append(g.VDs, recVD{MountPath: v.MountPath, Size: v.Size, Filesystem: v.Filesystem, VdID: id, State: stateConfirmed, FSUUID: "u", Formatted: true})
	}
	r.Groups = append(r.Groups, g)
	return r
}

// cmpSubstrings compares want/got string lists where each want is a substring of its got.
var cmpSubstrings = cmp.Comparer(func(a, b string) bool {
	return strings.Contains(a, b) || strings.Contains(b, a)
})

func TestMakePlan(t *testing.T) {
	cases := map[string]struct {
		reason      string
		facts       func() [][]driveFact
		inv         inventory
		rec         *nodeRecord // default: empty
		wantChanges []string
		wantWarning []string
		wantRefusal []string // substrings, one per refusal
	}{
		"fresh": {
			reason: "blank drives: create every PD, the DG and both VDs",
			facts:  rawFacts,
			wantChanges: []string{"create pd /dev/nvme0n1", "create pd /dev/nvme1n1", "create pd /dev/nvme2n1",
				"create dg raid5 (driveGroups[0])", "create vd driveGroups[0].virtualDrives[0]", "create vd driveGroups[0].virtualDrives[1]"},
		},
		"configured": {
			reason: "everything exists and is recorded: nothing to create",
			facts:  pdFacts,
			rec:    recorded(0, 1),
			inv: inventory{PDs: pds(dg(0), "w0", "w1", "w2"), DGs: []graidctl.DriveGroup{{DgID: 0, Mode: "RAID5"}},
				VDs: []graidctl.VirtualDrive{{DgID: 0, VdID: 0}, {DgID: 0, VdID: 1}}},
		},
		"unrecorded dg with vds": {
			reason: "an existing DG with VDs the record does not know: refuse, never map VDs to mounts by position",
			facts:  pdFacts,
			inv: inventory{PDs: pds(dg(0), "w0", "w1", "w2"), DGs: []graidctl.DriveGroup{{DgID: 0, Mode: "RAID5"}},
				VDs: []graidctl.VirtualDrive{{DgID: 0, VdID: 0}, {DgID: 0, VdID: 1}}},
			wantRefusal: []string{"drive group 0 exists with 2 virtual drive(s) but is not in this node's record"},
		},
		"recorded group not imported": {
			reason:      "graid lists nothing yet (reboot before import, or lost state): wait, create nothing",
			facts:       rawFacts,
			rec:         recorded(0, 1),
			wantRefusal: []string{"driveGroups[0]: drive group 0 is recorded as ours but graid does not list it"},
		},
		"recorded drive not a pd": {
			reason: "a present drive recorded as a PD but not listed by graid is never created again, even if it looks blank",
			facts:  rawFacts,
			rec: func() *nodeRecord {
				r := &nodeRecord{Names: map[string]string{}}
				r.setDrive(DriveID{Wwid: "w1"}, stateConfirmed)
				return r
			}(),
			wantRefusal: []string{"driveGroups[0].physicalDrives[1]: /dev/nvme1n1 (WWID w1) is recorded as a SupremeRAID physical drive of this node but graid does not list it"},
		},
		"in use by the host": {
			reason: "a drive that holds the root filesystem is refused even with allowInitialize",
			facts: func() [][]driveFact {
				f := rawFacts()
				f[0][2].InUse = "/dev/nvme2n1p2 holds the node's root or boot filesystem (mounted at /host)"
				return f
			},
			wantRefusal: []string{"driveGroups[0].physicalDrives[2]: /dev/nvme2n1: /dev/nvme2n1p2 holds the node's root or boot filesystem (mounted at /host); refusing to touch a drive the host uses, whatever allowInitialize says"},
		},
		"degraded": {
			reason:      "a recorded group missing one drive is served and reported, nothing is created",
			facts:       pdFacts,
			rec:         recorded(0, 1),
			inv:         inventory{PDs: pds(dg(0), "w0", "w1"), DGs: []graidctl.DriveGroup{{DgID: 0, Mode: "RAID5", State: "DEGRADED"}}, VDs: []graidctl.VirtualDrive{{DgID: 0, VdID: 0}, {DgID: 0, VdID: 1}}},
			wantWarning: []string{"drive group 0 is DEGRADED; missing or failed: physicalDrives[2] /dev/nvme2n1 (WWID w2)"},
		},
		"size changed": {
			reason: "a recorded VD whose size the layout changed is refused, and still served",
			facts:  pdFacts,
			rec: func() *nodeRecord {
				r := recorded(0, 1)
				r.Groups[0].VDs[0].Size = "2Gi"
				return r
			}(),
			inv: inventory{PDs: pds(dg(0), "w0", "w1", "w2"), DGs: []graidctl.DriveGroup{{DgID: 0, Mode: "RAID5"}},
				VDs: []graidctl.VirtualDrive{{DgID: 0, VdID: 0}, {DgID: 0, VdID: 1}}},
			wantRefusal: []string{"driveGroups[0].virtualDrives[0]: size changed from 2Gi to 1Gi; the agent never resizes"},
		},
		"half": {
			reason: "PDs exist but are free: reuse them, create the DG and VDs",
			facts:  pdFacts,
			inv:    inventory{PDs: pds(nil, "w0", "w1", "w2")},
			wantChanges: []string{"create dg raid5 (driveGroups[0])",
				"create vd driveGroups[0].virtualDrives[0]", "create vd driveGroups[0].virtualDrives[1]"},
		},
		"one vd missing": {
			reason:      "DG with one of two VDs: create only the second",
			facts:       pdFacts,
			rec:         recorded(0),
			inv:         inventory{PDs: pds(dg(0), "w0", "w1", "w2"), DGs: []graidctl.DriveGroup{{DgID: 0, Mode: "RAID5"}}, VDs: []graidctl.VirtualDrive{{DgID: 0, VdID: 0}}},
			wantChanges: []string{"create vd driveGroups[0].virtualDrives[1]"},
		},
		"foreign data": {
			reason: "a drive with a partition table and no allowInitialize is refused, and nothing is planned",
			facts: func() [][]driveFact {
				f := rawFacts()
				f[0][1].Sig = Signature{PTType: "gpt"}
				return f
			},
			wantRefusal: []string{"driveGroups[0].physicalDrives[1]: /dev/nvme1n1 holds a gpt partition table; refusing to make it a SupremeRAID physical drive because its data would be destroyed. If that data may go, list this drive in allowInitialize"},
		},
		"foreign data allowed": {
			reason: "allowInitialize on that drive lets the agent take it",
			facts: func() [][]driveFact {
				f := rawFacts()
				f[0][2].Sig = Signature{Type: "ext4"}
				return f
			},
			wantChanges: []string{"create pd /dev/nvme0n1", "create pd /dev/nvme1n1", "create pd /dev/nvme2n1",
				"create dg raid5 (driveGroups[0])", "create vd driveGroups[0].virtualDrives[0]", "create vd driveGroups[0].virtualDrives[1]"},
		},
		"drive named by a link": {
			reason: "graidctl gets the NVMe node the configured link resolved to",
			facts: func() [][]driveFact {
				f := rawFacts()
				f[0][0].Node = "/dev/nvme5n1"
				return f
			},
			wantChanges: []string{"create pd /dev/nvme5n1", "create pd /dev/nvme1n1", "create pd /dev/nvme2n1",
				"create dg raid5 (driveGroups[0])", "create vd driveGroups[0].virtualDrives[0]", "create vd driveGroups[0].virtualDrives[1]"},
		},
		"same SSD twice": {
			reason: "two configured paths with one WWID are one SSD: refuse",
			facts: func() [][]driveFact {
				f := rawFacts()
				f[0][2].Wwid = "w0"
				return f
			},
			wantRefusal: []string{"driveGroups[0].physicalDrives[2]: /dev/nvme2n1 is the same SSD (WWID w0) as driveGroups[0].physicalDrives[0]"},
		},
		"missing device": {
			reason: "a drive neither present nor recorded is refused",
			facts: func() [][]driveFact {
				f := rawFacts()
				f[0][0] = driveFact{Device: "/dev/nvme0n1"}
				return f
			},
			wantRefusal: []string{"device /dev/nvme0n1 not found and no SupremeRAID physical drive is recorded"},
		},
		"recorded but gone": {
			reason:      "a recorded WWID with no PD (SSD pulled) is refused",
			facts:       pdFacts,
			inv:         inventory{PDs: pds(nil, "w0", "w1")},
			wantRefusal: []string{"/dev/nvme2n1 is not present and graid lists no physical drive with its recorded WWID w2"},
		},
		"wwid unreadable": {
			reason: "a present drive that cannot be identified is refused",
			facts: func() [][]driveFact {
				f := rawFacts()
				f[0][2].WwidErr = errors.New("no wwid")
				return f
			},
			wantRefusal: []string{"cannot read the identity of /dev/nvme2n1"},
		},
		"probe failed": {
			reason: "if the data check fails the drive is not initialised",
			facts: func() [][]driveFact {
				f := rawFacts()
				f[0][0].SigErr = errors.New("permission denied")
				return f
			},
			wantRefusal: []string{"cannot check /dev/nvme0n1 for existing data"},
		},
		"dg with other pds": {
			reason: "an existing DG that holds an extra PD is a different layout",
			facts:  pdFacts,
			inv: inventory{PDs: append(pds(dg(0), "w0", "w1", "w2"), graidctl.PhysicalDrive{PdID: 3, DgID: dg(0), Wwid: "other"}),
				DGs: []graidctl.DriveGroup{{DgID: 0, Mode: "RAID5"}}},
			wantRefusal: []string{"drive group 0 holds physical drives [0 1 2 3] but the layout's drives are physical drives [0 1 2]"},
		},
		"dg other level": {
			reason:      "an existing DG of another RAID level is a different layout",
			facts:       pdFacts,
			inv:         inventory{PDs: pds(dg(0), "w0", "w1", "w2"), DGs: []graidctl.DriveGroup{{DgID: 0, Mode: "RAID6"}}},
			wantRefusal: []string{"drive group 0 is RAID6 but the layout asks for raid5"},
		},
		"dg level unknown": {
			reason:      "if graidctl does not say the level, it cannot be verified",
			facts:       pdFacts,
			inv:         inventory{PDs: pds(dg(0), "w0", "w1", "w2"), DGs: []graidctl.DriveGroup{{DgID: 0}}},
			wantRefusal: []string{"does not report the RAID level of drive group 0"},
		},
		"partly in a dg": {
			reason: "some drives in a DG and one still raw is a different layout",
			facts: func() [][]driveFact {
				f := pdFacts()
				f[0][2] = driveFact{Device: "/dev/nvme2n1", Present: true, Wwid: "w2"}
				return f
			},
			inv:         inventory{PDs: pds(dg(1), "w0", "w1"), DGs: []graidctl.DriveGroup{{DgID: 1, Mode: "RAID5"}}},
			wantRefusal: []string{"drive group 1 holds physical drives [0 1] but the layout's drives are physical drives [0 1] plus 1 drive(s) that are not physical drives yet"},
		},
		"spread over dgs": {
			reason: "drives in two DGs cannot be one group",
			facts:  pdFacts,
			inv: inventory{PDs: []graidctl.PhysicalDrive{{PdID: 0, DgID: dg(0), Wwid: "w0"}, {PdID: 1, DgID: dg(1), Wwid: "w1"}, {PdID: 2, DgID: dg(1), Wwid: "w2"}},
				DGs: []graidctl.DriveGroup{{DgID: 0, Mode: "RAID1"}, {DgID: 1, Mode: "RAID1"}}},
			wantRefusal: []string{"belong to different drive groups [0 1]"},
		},
		"extra vds": {
			reason: "more VDs than declared: never delete, refuse",
			facts:  pdFacts,
			rec:    recorded(0, 1),
			inv: inventory{PDs: pds(dg(0), "w0", "w1", "w2"), DGs: []graidctl.DriveGroup{{DgID: 0, Mode: "raid5"}},
				VDs: []graidctl.VirtualDrive{{DgID: 0, VdID: 0}, {DgID: 0, VdID: 1}, {DgID: 0, VdID: 2}}},
			wantRefusal: []string{"drive group 0 holds virtual drive 0/2 that no layout entry of this node's record owns"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			l := planLayout()
			rec := tc.rec
			if rec == nil {
				rec = &nodeRecord{Names: map[string]string{}}
			}
			p := makePlan(l, tc.facts(), tc.inv, rec)
			if diff := cmp.Diff(tc.wantWarning, p.Warnings, cmpSubstrings); diff != "" {
				t.Errorf("%s\nwarnings -want +got:\n%s", tc.reason, diff)
			}
			if len(p.Refusals) != len(tc.wantRefusal) {
				t.Fatalf("%s\nrefusals = %q, want %d", tc.reason, p.Refusals, len(tc.wantRefusal))
			}
			for i, want := range tc.wantRefusal {
				if !strings.Contains(p.Refusals[i], want) {
					t.Errorf("%s\nrefusal %q\nwant containing %q", tc.reason, p.Refusals[i], want)
				}
			}
			if diff := cmp.Diff(tc.wantChanges, p.changes(l)); diff != "" {
				t.Errorf("%s\nchanges -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
