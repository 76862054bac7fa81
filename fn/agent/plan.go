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
	Wwid    string // from sysfs when present, from the drive record when not
	WwidErr error  // reading the WWID of a present drive failed
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

// vdsOf returns the VDs of a drive group ordered by VdId: configured
// virtual drive i is the i-th of them.
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
	Device string // as configured: the drive record's key
	Node   string // /dev/nvmeXnY given to `graidctl create pd`
	Wwid   string
	Create bool // run `graidctl create pd`
}

type groupPlan struct {
	Level       string
	Drives      []drivePlan
	CreateDG    bool
	DgID        int // the existing drive group when !CreateDG
	ExistingVDs int // configured VDs that already exist
}

// plan is what one reconcile pass will create, or why it must not.
type plan struct {
	Groups   []groupPlan
	Refusals []string
}

// makePlan compares the layout with the node. It never plans a deletion:
// anything that differs from the layout is a refusal for a human to
// resolve. facts[g][d] belongs to DriveGroups[g].PhysicalDrives[d].
func makePlan(l *Layout, facts [][]driveFact, inv inventory) plan {
	var p plan
	refuse := func(format string, args ...any) {
		p.Refusals = append(p.Refusals, fmt.Sprintf(format, args...))
	}
	// Two configured paths (say a by-id link and an nvme path) may name one SSD.
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
		grp := groupPlan{Level: g.RaidLevel}
		var pdIDs []int
		var raw int
		dgs := map[int]bool{}
		ok := true
		for di, d := range g.PhysicalDrives {
			f := facts[gi][di]
			where := fmt.Sprintf("%s.physicalDrives[%d]", gp, di)
			if f.Present && f.WwidErr != nil {
				refuse("%s: cannot read the WWID of %s (%v); refusing to use a drive that cannot be identified", where, d.Device, f.WwidErr)
				ok = false
				continue
			}
			pd, isPD := inv.pdByWwid(f.Wwid)
			switch {
			case isPD:
				pdIDs = append(pdIDs, pd.PdID)
				if dg, in := pd.InDriveGroup(); in {
					dgs[dg] = true
				}
				grp.Drives = append(grp.Drives, drivePlan{Device: d.Device, Wwid: f.Wwid})
			case !f.Present:
				if f.Wwid != "" {
					refuse("%s: %s is not present and no SupremeRAID physical drive has its recorded WWID %s; check that the SSD is installed and graid is running", where, d.Device, f.Wwid)
				} else {
					refuse("%s: device %s not found and no SupremeRAID physical drive is recorded for it; check the device path and that the SSD is installed", where, d.Device)
				}
				ok = false
			case f.SigErr != nil:
				refuse("%s: cannot check %s for existing data (%v); refusing to initialise it", where, d.Device, f.SigErr)
				ok = false
			case !f.Sig.Empty() && !d.AllowInitialize:
				refuse("%s: %s holds %s; refusing to make it a SupremeRAID physical drive because its data would be destroyed. If that data may go, set allowInitialize: true for this drive", where, d.Device, f.Sig)
				ok = false
			default:
				raw++
				node := f.Node
				if node == "" { // a present /dev/nvmeXnY names itself
					node = d.Device
				}
				grp.Drives = append(grp.Drives, drivePlan{Device: d.Device, Node: node, Wwid: f.Wwid, Create: true})
			}
		}
		if !ok {
			continue
		}
		switch {
		case len(dgs) == 0:
			grp.CreateDG = true
		case len(dgs) > 1:
			refuse("%s: its drives belong to different drive groups %v; the layout wants one %s group of exactly these drives", gp, sortedKeys(dgs), g.RaidLevel)
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
				refuse("%s: graidctl does not report the RAID level of drive group %d, so it cannot be verified to be %s", gp, dgID, g.RaidLevel)
				continue
			}
			if !strings.EqualFold(mode, g.RaidLevel) {
				refuse("%s: drive group %d is %s but the layout asks for %s; the agent never changes an existing drive group", gp, dgID, mode, g.RaidLevel)
				continue
			}
			grp.DgID = dgID
			existing := len(inv.vdsOf(dgID))
			if existing > len(g.VirtualDrives) {
				refuse("%s: drive group %d has %d virtual drives but the layout declares %d; the agent never deletes, so remove the extra ones by hand or add them to the layout",
					gp, dgID, existing, len(g.VirtualDrives))
				continue
			}
			grp.ExistingVDs = existing
		}
		p.Groups = append(p.Groups, grp)
	}
	if len(p.Refusals) > 0 {
		p.Groups = nil // all or nothing: never act on half a layout
	}
	return p
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
	for _, dg := range inv.DGs {
		if dg.DgID == dgID {
			return dg.Mode
		}
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

// changes lists what the plan will create, for logs and tests.
func (p plan) changes(l *Layout) []string {
	var out []string
	for gi, g := range p.Groups {
		for _, d := range g.Drives {
			if d.Create {
				out = append(out, "create pd "+d.Node)
			}
		}
		if g.CreateDG {
			out = append(out, fmt.Sprintf("create dg %s (driveGroups[%d])", g.Level, gi))
		}
		for vi := g.ExistingVDs; vi < len(l.DriveGroups[gi].VirtualDrives); vi++ {
			out = append(out, fmt.Sprintf("create vd driveGroups[%d].virtualDrives[%d]", gi, vi))
		}
	}
	return out
}
