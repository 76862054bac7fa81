package agent

import (
	"fmt"
	"slices"
	"strings"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
)

// driveFact is what the node shows about one configured drive.
type driveFact struct {
	Device  string // as configured
	Node    string // the /dev/nvmeXnY that Device is or links to, when present
	Present bool   // the /dev/nvmeXnY node exists
	ID      DriveID
	Wwid    string // from sysfs when present, from the record (or a wwid: name) when not
	WwidErr error  // reading the identity of a present drive failed
	InUse   string // why a present drive is in use by the host (mounted, held, swap)
	UseErr  error  // checking that failed
	Sig     Signature
	SigErr  error // probing a present, not-yet-PD drive failed
}

// inventory is graidctl's view of the node.
type inventory struct {
	PDs []graidctl.PhysicalDrive
	DGs []graidctl.DriveGroup
	VDs []graidctl.VirtualDrive
}

func (inv inventory) pdByWwid(wwid string) (graidctl.PhysicalDrive, bool) {
	if wwid == "" {
		return graidctl.PhysicalDrive{}, false
	}
	i := slices.IndexFunc(inv.PDs, func(p graidctl.PhysicalDrive) bool { return p.Wwid == wwid })
	if i < 0 {
		return graidctl.PhysicalDrive{}, false
	}
	return inv.PDs[i], true
}

func (inv inventory) dg(dgID int) (graidctl.DriveGroup, bool) {
	i := slices.IndexFunc(inv.DGs, func(d graidctl.DriveGroup) bool { return d.DgID == dgID })
	if i < 0 {
		return graidctl.DriveGroup{}, false
	}
	return inv.DGs[i], true
}

func (inv inventory) vd(dgID, vdID int) (graidctl.VirtualDrive, bool) {
	i := slices.IndexFunc(inv.VDs, func(v graidctl.VirtualDrive) bool { return v.DgID == dgID && v.VdID == vdID })
	if i < 0 {
		return graidctl.VirtualDrive{}, false
	}
	return inv.VDs[i], true
}

// vdsOf returns the VDs of a drive group ordered by VdId.
func (inv inventory) vdsOf(dgID int) []graidctl.VirtualDrive {
	var out []graidctl.VirtualDrive
	for _, v := range inv.VDs {
		if v.DgID == dgID {
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b graidctl.VirtualDrive) int { return a.VdID - b.VdID })
	return out
}

type drivePlan struct {
	Device string // as configured
	Node   string // /dev/nvmeXnY given to `graidctl create pd`
	ID     DriveID
	Wwid   string
	Create bool // run `graidctl create pd`
	// Allow is the layout's allowInitialize for this drive: only then may the drive hold a
	// signature when it is checked again right before create pd.
	Allow bool
}

// vdPlan is one configured virtual drive of a group.
type vdPlan struct {
	Index  int  // position in the layout's group
	Serve  bool // recorded, confirmed and listed by graid: mount it (format if our mkfs did not finish)
	Create bool // not recorded: create it
	VdID   int  // graid's id when Serve
}

type groupPlan struct {
	Index    int // position in the layout
	Level    string
	Drives   []drivePlan
	Members  []string // WWIDs in layout order
	CreateDG bool
	Adopt    bool // a recorded "intent" group or an unrecorded empty group graid lists: record its id
	DgID     int  // the existing drive group when !CreateDG
	VDs      []vdPlan
}

// plan is what one reconcile pass will serve and create, or why it must not create.
type plan struct {
	Groups   []groupPlan // groups whose existing VDs are served (and, without refusals, completed)
	Refusals []string
	Warnings []string // served but not healthy, e.g. a degraded drive group
}

// makePlan compares the layout with the node and the record of what is ours. It never plans a
// deletion, never plans to create what the record says exists already, and never plans to
// initialise a drive that holds a signature, is in use by the host, or cannot be read.
// facts[g][d] belongs to DriveGroups[g].PhysicalDrives[d].
func makePlan(l *Layout, facts [][]driveFact, inv inventory, rec *nodeRecord) plan {
	var p plan
	refuse := func(format string, args ...any) {
		p.Refusals = append(p.Refusals, fmt.Sprintf(format, args...))
	}
	// Two configured names (say a by-id link and an nvme path) may name one SSD.
	seenWwid := map[string]string{}
	for gi, g := range l.DriveGroups {
		for di := range g.PhysicalDrives {
			f := facts[gi][di]
			if f.Wwid == "" || (f.Present && f.WwidErr != nil) {
				continue
			}
			where := fmt.Sprintf("driveGroups[%d].physicalDrives[%d]", gi, di)
			if first, dup := seenWwid[f.Wwid]; dup {
				refuse("%s: %s is the same SSD (WWID %s) as %s; each drive may appear once in the layout", where, f.Device, f.Wwid, first)
			}
			seenWwid[f.Wwid] = where
		}
	}
	for gi, g := range l.DriveGroups {
		gp := fmt.Sprintf("driveGroups[%d]", gi)
		grp := groupPlan{Index: gi, Level: g.RAIDLevel}
		known := true
		for _, f := range facts[gi] {
			if f.Wwid == "" || (f.Present && f.WwidErr != nil) {
				known = false
			}
			grp.Members = append(grp.Members, f.Wwid)
		}
		var rg *recGroup
		if known {
			rg, _ = rec.group(grp.Members)
		}
		if rg == nil {
			// A drive replaced, or named differently: the group is still the recorded one that
			// holds any of these drives. It is served as recorded and never changed.
			for _, w := range grp.Members {
				if hg, ok := rec.groupHolding(w); ok && hg.State == stateConfirmed {
					p.Refusals = append(p.Refusals, fmt.Sprintf("%s: the layout's drives %v are not the recorded members %v of drive group %d; the group is served as recorded and the agent never changes its members (replace drives with graidctl, then update the layout)", gp, grp.Members, hg.Members, hg.DgID))
					rg, grp.Members = hg, hg.Members
					break
				}
			}
		}
		if rg != nil && rg.State == stateConfirmed {
			// Ours: serve it whatever else is wrong on the node.
			if !p.serveGroup(l, gi, facts[gi], inv, rg, &grp) {
				continue
			}
			p.Groups = append(p.Groups, grp)
			continue
		}
		ok := true
		var pdIDs []int
		raw := 0
		dgs := map[int]bool{}
		for di, d := range g.PhysicalDrives {
			f := facts[gi][di]
			where := fmt.Sprintf("%s.physicalDrives[%d]", gp, di)
			if f.Present && f.WwidErr != nil {
				refuse("%s: cannot read the identity of %s (%v); refusing to use a drive that cannot be identified", where, d.Device, f.WwidErr)
				ok = false
				continue
			}
			pd, isPD := inv.pdByWwid(f.Wwid)
			rd, recorded := rec.drive(f.Wwid)
			switch {
			case isPD:
				pdIDs = append(pdIDs, pd.PdID)
				if dg, in := pd.InDriveGroup(); in {
					dgs[dg] = true
				}
				grp.Drives = append(grp.Drives, drivePlan{Device: d.Device, ID: f.ID, Wwid: f.Wwid})
			case !f.Present:
				if f.Wwid != "" {
					refuse("%s: %s is not present and graid lists no physical drive with its recorded WWID %s; check that the SSD is installed and graid has finished importing", where, d.Device, f.Wwid)
				} else {
					refuse("%s: device %s not found and no SupremeRAID physical drive is recorded for it; check the device name and that the SSD is installed", where, d.Device)
				}
				ok = false
			case f.UseErr != nil:
				refuse("%s: cannot check whether the host uses %s (%v); refusing to initialise it", where, d.Device, f.UseErr)
				ok = false
			case f.InUse != "":
				refuse("%s: %s: %s; refusing to touch a drive the host uses, whatever allowInitialize says", where, d.Device, f.InUse)
				ok = false
			case recorded && rd.State == stateConfirmed:
				refuse("%s: %s (WWID %s) is recorded as a SupremeRAID physical drive of this node but graid does not list it: graid has not re-imported it yet or has lost its state. Waiting; the agent never creates over its own drives", where, d.Device, f.Wwid)
				ok = false
			case f.SigErr != nil:
				refuse("%s: cannot check %s for existing data (%v); refusing to initialise it", where, d.Device, f.SigErr)
				ok = false
			case !f.Sig.Empty() && !d.AllowInitialize:
				refuse("%s: %s holds %s; refusing to make it a SupremeRAID physical drive because its data would be destroyed. If that data may go, list this drive in allowInitialize", where, d.Device, f.Sig)
				ok = false
			default:
				raw++
				node := f.Node
				if node == "" {
					node = d.Device
				}
				grp.Drives = append(grp.Drives, drivePlan{Device: d.Device, Node: node, ID: f.ID, Wwid: f.Wwid, Create: true, Allow: d.AllowInitialize})
			}
		}
		if !ok {
			continue
		}
		switch {
		case len(dgs) == 0:
			grp.CreateDG = true
		case len(dgs) > 1:
			refuse("%s: its drives belong to different drive groups %v; the layout wants one %s group of exactly these drives", gp, sortedKeys(dgs), g.RAIDLevel)
			continue
		default:
			dgID := sortedKeys(dgs)[0]
			members := inv.membersOf(dgID)
			slices.Sort(pdIDs)
			if raw > 0 || !slices.Equal(members, pdIDs) {
				refuse("%s: drive group %d holds physical drives %v but the layout's drives are physical drives %v%s; the agent never changes an existing drive group",
					gp, dgID, members, pdIDs, rawNote(raw))
				continue
			}
			mode := inv.modeOf(dgID)
			if mode == "" {
				refuse("%s: graidctl does not report the RAID level of drive group %d, so it cannot be verified to be %s", gp, dgID, g.RAIDLevel)
				continue
			}
			if !strings.EqualFold(mode, g.RAIDLevel) {
				refuse("%s: drive group %d is %s but the layout asks for %s; the agent never changes an existing drive group", gp, dgID, mode, g.RAIDLevel)
				continue
			}
			if n := len(inv.vdsOf(dgID)); n > 0 && rg == nil {
				refuse("%s: drive group %d exists with %d virtual drive(s) but is not in this node's record, so the agent cannot tell which of them holds which mount's data; it neither mounts, formats nor adds to it (see docs/node-agent.md, \"Adopting an existing array\")", gp, dgID, n)
				continue
			}
			grp.DgID, grp.Adopt = dgID, true
		}
		for vi := range g.VirtualDrives {
			grp.VDs = append(grp.VDs, vdPlan{Index: vi, Create: true})
		}
		p.Groups = append(p.Groups, grp)
	}
	return p
}

// serveGroup plans a recorded, confirmed group: its drives must not be re-created, its
// recorded VDs are served, new layout VDs are created. It reports whether the group is usable.
func (p *plan) serveGroup(l *Layout, gi int, facts []driveFact, inv inventory, rg *recGroup, grp *groupPlan) bool {
	g := l.DriveGroups[gi]
	gp := fmt.Sprintf("driveGroups[%d]", gi)
	dg, listed := inv.dg(rg.DgID)
	if !listed {
		p.Refusals = append(p.Refusals, fmt.Sprintf("%s: drive group %d is recorded as ours but graid does not list it: graid has not finished importing, or has lost its state. Waiting; the agent never re-creates a recorded group (its data is on the SSDs)", gp, rg.DgID))
		return false
	}
	if dg.Mode != "" && !strings.EqualFold(dg.Mode, g.RAIDLevel) {
		p.Refusals = append(p.Refusals, fmt.Sprintf("%s: drive group %d is %s but the layout asks for %s; the agent never changes an existing drive group", gp, rg.DgID, dg.Mode, g.RAIDLevel))
		return false
	}
	var missing []string
	for _, w := range rg.Members {
		pd, ok := inv.pdByWwid(w)
		if in, isIn := pd.InDriveGroup(); !ok || !isIn || in != rg.DgID || isMissingState(pd.State) {
			name := "WWID " + w
			if di := slices.IndexFunc(facts, func(f driveFact) bool { return f.Wwid == w }); di >= 0 {
				name = fmt.Sprintf("physicalDrives[%d] %s (WWID %s)", di, g.PhysicalDrives[di].Device, w)
			}
			missing = append(missing, name)
		}
	}
	for di, f := range facts {
		grp.Drives = append(grp.Drives, drivePlan{Device: g.PhysicalDrives[di].Device, ID: f.ID, Wwid: f.Wwid})
	}
	if len(missing) > 0 || isDegradedState(dg.State) {
		p.Warnings = append(p.Warnings, fmt.Sprintf("%s: drive group %d is %s; missing or failed: %s. It is served; replace the drive with graidctl (the agent never rebuilds or re-creates)", gp, rg.DgID, orDefault(dg.State, "DEGRADED"), orDefault(strings.Join(missing, ", "), "none")))
	}
	grp.DgID = rg.DgID
	claimed := map[int]bool{}
	for vi, v := range g.VirtualDrives {
		vp := fmt.Sprintf("%s.virtualDrives[%d]", gp, vi)
		rv, ok := rg.vd(v.MountPath)
		if !ok {
			grp.VDs = append(grp.VDs, vdPlan{Index: vi, Create: true})
			continue
		}
		claimed[rv.VdID] = true
		if rv.State == stateIntent {
			// create vd was announced but may not have run: apply confirms or retries it.
			grp.VDs = append(grp.VDs, vdPlan{Index: vi, Create: true})
			continue
		}
		if _, listed := inv.vd(rg.DgID, rv.VdID); !listed {
			p.Refusals = append(p.Refusals, fmt.Sprintf("%s: virtual drive %d/%d for %s is recorded as ours but graid does not list it; waiting, never re-creating it", vp, rg.DgID, rv.VdID, v.MountPath))
			continue
		}
		if rv.Size != v.Size {
			p.Refusals = append(p.Refusals, fmt.Sprintf("%s: size changed from %s to %s; the agent never resizes a virtual drive (its data is kept and it stays mounted)", vp, rv.Size, v.Size))
		}
		grp.VDs = append(grp.VDs, vdPlan{Index: vi, Serve: true, VdID: rv.VdID})
	}
	for _, v := range inv.vdsOf(rg.DgID) {
		if !claimed[v.VdID] {
			if slices.ContainsFunc(rg.VDs, func(r recVD) bool { return r.VdID == v.VdID && r.State == stateIntent }) {
				continue // created by a pass that died before confirming: confirmed by apply
			}
			p.Refusals = append(p.Refusals, fmt.Sprintf("%s: drive group %d holds virtual drive %d/%d that no layout entry of this node's record owns (a mountPath removed from the layout, or made by hand); the agent never deletes it and adds nothing to this group until it is resolved", gp, rg.DgID, rg.DgID, v.VdID))
		}
	}
	return true
}

// PD and DG states that mean "not all there". graidctl's state names beyond ONLINE/OPTIMAL are
// not publicly documented; these are the simulator's (see docs/node-agent.md).
func isMissingState(s string) bool {
	return strings.EqualFold(s, "MISSING") || strings.EqualFold(s, "FAILED") || strings.EqualFold(s, "OFFLINE")
}

func isDegradedState(s string) bool {
	return strings.EqualFold(s, "DEGRADED") || strings.EqualFold(s, "RECOVERY") || strings.EqualFold(s, "REBUILD")
}

func (inv inventory) membersOf(dgID int) []int {
	var ids []int
	for _, pd := range inv.PDs {
		if dg, in := pd.InDriveGroup(); in && dg == dgID {
			ids = append(ids, pd.PdID)
		}
	}
	slices.Sort(ids)
	return ids
}

func (inv inventory) modeOf(dgID int) string {
	if dg, ok := inv.dg(dgID); ok {
		return dg.Mode
	}
	return ""
}

func rawNote(raw int) string {
	if raw == 0 {
		return ""
	}
	return fmt.Sprintf(" plus %d drive(s) that are not physical drives yet", raw)
}

func sortedKeys(m map[int]bool) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// changes lists what the plan will create, for logs and tests: nothing when anything is
// refused (creating is all or nothing).
func (p plan) changes(l *Layout) []string {
	var out []string
	if len(p.Refusals) > 0 {
		return nil
	}
	for _, g := range p.Groups {
		for _, d := range g.Drives {
			if d.Create {
				out = append(out, "create pd "+d.Node)
			}
		}
		if g.CreateDG {
			out = append(out, fmt.Sprintf("create dg %s (driveGroups[%d])", g.Level, g.Index))
		}
		for _, v := range g.VDs {
			if v.Create {
				out = append(out, fmt.Sprintf("create vd driveGroups[%d].virtualDrives[%d]", g.Index, v.Index))
			}
		}
	}
	return out
}
