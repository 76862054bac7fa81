package agent

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
)

// Status is the outcome of one reconcile pass.
type Status struct {
	// Ready is true only when every configured mount is verified in the
	// mount table and every tenant directory is in place.
	Ready bool
	// Refused means the node differs from the layout in a way only a human
	// may resolve; nothing was changed because of it.
	Refused bool
	// Reasons says why the node is not ready (refusals and errors).
	Reasons []string
	// Changes lists what this pass did.
	Changes []string
	// Warnings are served-but-unhealthy conditions (a degraded drive group); they do not make
	// the node unready.
	Warnings []string
	// Mounted lists the mount points (container paths) verified to hold
	// their virtual drive; only these are unmounted on shutdown.
	Mounted []string
	// MountedDevices are the VD device nodes of Mounted, index by index.
	MountedDevices []string
}

func (s *Status) refuse(msg string) {
	s.Refused = true
	s.Reasons = append(s.Reasons, msg)
}

func (s *Status) fail(err error) { s.Reasons = append(s.Reasons, err.Error()) }

// Run reconciles the node with the layout once: license, physical drives,
// drive groups, virtual drives, filesystems, mounts and tenant directories.
// It only creates; whatever differs from the layout is refused and
// reported, and the node is left as it was.
func Run(ctx context.Context, l *Layout, d Deps) Status {
	d = d.withDefaults()
	st := run(ctx, l, d)
	for _, c := range st.Changes {
		d.Log.Info("changed", "what", c)
	}
	for _, r := range st.Reasons {
		if st.Refused {
			d.Log.Error("REFUSED: " + r)
		} else {
			d.Log.Error("not ready: " + r)
		}
	}
	for _, w := range st.Warnings {
		d.Log.Warn("DEGRADED: " + w)
	}
	if st.Ready {
		d.Log.Info("ready: every configured virtual drive is mounted")
	}
	return st
}

func run(ctx context.Context, l *Layout, d Deps) Status {
	var st Status
	if err := l.Validate(); err != nil {
		st.refuse("invalid layout: " + strings.ReplaceAll(err.Error(), "\n", "; "))
		return st
	}
	if !ensureLicense(ctx, l, d, &st) {
		return st
	}
	inv, err := listInventory(ctx, d.Graidctl)
	if err != nil {
		st.fail(err)
		return st
	}
	rec, err := loadRecord(d.stateDir())
	if err != nil {
		st.fail(err)
		return st
	}
	mounts, err := ReadMountInfo(d.MountInfo)
	if err != nil {
		st.fail(err)
		return st
	}
	p := makePlan(l, gatherFacts(ctx, l, d, rec, inv, mounts), inv, rec)
	for _, r := range p.Refusals {
		st.refuse(r)
	}
	st.Warnings = append(st.Warnings, p.Warnings...)
	// Creating is all or nothing: never act on half a layout. Serving what exists is not: a
	// refusal elsewhere never leaves a healthy virtual drive of ours unmounted.
	if len(p.Refusals) == 0 {
		if err := applyPlan(ctx, l, d, rec, &p, &st); err != nil {
			st.fail(err)
		}
	}
	if inv, err = listInventory(ctx, d.Graidctl); err != nil {
		st.fail(err)
		return st
	}
	mounted := map[string]bool{}
	for _, g := range p.Groups {
		rg, ok := rec.group(g.Members)
		if !ok || rg.State != stateConfirmed {
			continue
		}
		for _, vp := range g.VDs {
			v := l.DriveGroups[g.Index].VirtualDrives[vp.Index]
			rv, ok := rg.vd(v.MountPath)
			if !ok || rv.State != stateConfirmed {
				continue
			}
			gv, ok := inv.vd(rg.DgID, rv.VdID)
			if !ok {
				continue // reported by the plan
			}
			where := fmt.Sprintf("driveGroups[%d].virtualDrives[%d]", g.Index, vp.Index)
			ok, err := ensureVolume(ctx, d, rec, where, v, rv, gv, &st)
			if err != nil {
				st.fail(fmt.Errorf("%s: %w", where, err))
			}
			mounted[v.MountPath] = ok
			if ok {
				st.Mounted = append(st.Mounted, d.target(v.MountPath))
				st.MountedDevices = append(st.MountedDevices, d.dev(gv.Device()))
			}
		}
	}
	for gi, g := range l.DriveGroups {
		for vi, v := range g.VirtualDrives {
			if _, seen := mounted[v.MountPath]; !seen && len(st.Reasons) == 0 {
				st.fail(fmt.Errorf("driveGroups[%d].virtualDrives[%d]: %s is not served yet", gi, vi, v.MountPath))
			}
		}
	}
	quiet := len(st.Reasons) > 0 // the reasons above already say why mounts are missing
	for ti, t := range l.Tenants {
		where := fmt.Sprintf("tenants[%d]", ti)
		if !mounted[t.MountPath] {
			if quiet {
				continue
			}
			st.Reasons = append(st.Reasons, fmt.Sprintf("%s: %s is not mounted, so its directory for %s is not created", where, t.MountPath, t.Namespace))
			continue
		}
		if err := ensureTenantDir(d, where, t, &st); err != nil {
			st.fail(err)
		}
	}
	st.Ready = len(st.Reasons) == 0
	return st
}

// ensureLicense applies the license when no controller is ONLINE, which is
// what public graid scripts check before blaming the license.
func ensureLicense(ctx context.Context, l *Layout, d Deps, st *Status) bool {
	online := func() (bool, error) {
		cx, err := d.Graidctl.ListControllers(ctx)
		if err != nil {
			return false, err
		}
		return slices.ContainsFunc(cx, func(c graidctl.Controller) bool { return c.State == graidctl.ControllerOnline }), nil
	}
	ok, err := online()
	if err != nil {
		st.fail(fmt.Errorf("checking SupremeRAID controllers (is graid_server running?): %w", err))
		return false
	}
	if ok {
		return true
	}
	b, err := os.ReadFile(l.License.KeyFile)
	key := strings.TrimSpace(string(b))
	if err != nil || key == "" {
		if err == nil {
			err = errors.New("file is empty")
		}
		st.refuse(fmt.Sprintf("license.keyFile: no SupremeRAID controller is ONLINE and the license key cannot be read from %s (%v); check the license Secret", l.License.KeyFile, err))
		return false
	}
	if err := d.Graidctl.ApplyLicense(ctx, key); err != nil {
		st.fail(fmt.Errorf("applying the SupremeRAID license from %s: %w", l.License.KeyFile, err))
		return false
	}
	st.Changes = append(st.Changes, "applied license from "+l.License.KeyFile)
	if ok, err = online(); err != nil || !ok {
		st.fail(fmt.Errorf("license applied but no SupremeRAID controller is ONLINE yet (err=%v)", err))
		return false
	}
	return true
}

func listInventory(ctx context.Context, c *graidctl.Client) (inventory, error) {
	var inv inventory
	var err error
	if inv.PDs, err = c.ListPhysicalDrives(ctx); err != nil {
		return inv, err
	}
	if inv.DGs, err = c.ListDriveGroups(ctx); err != nil {
		return inv, err
	}
	if inv.VDs, err = c.ListVirtualDrives(ctx); err != nil {
		return inv, err
	}
	return inv, nil
}

// gatherFacts looks at each configured drive on the host. Only drives that are present and not
// yet PDs are checked for host use and probed for foreign data.
func gatherFacts(ctx context.Context, l *Layout, d Deps, rec *nodeRecord, inv inventory, mounts []MountEntry) [][]driveFact {
	facts := make([][]driveFact, len(l.DriveGroups))
	for gi, g := range l.DriveGroups {
		for _, pd := range g.PhysicalDrives {
			f := driveFact{Device: pd.Device}
			if node, err := resolveDrive(d, pd.Device); err == nil {
				f.Present, f.Node = true, node
				f.ID, f.WwidErr = readDriveID(d, node)
				if f.WwidErr == nil {
					f.WwidErr = checkLinkIdentity(pd.Device, node, f.ID)
				}
				f.Wwid = f.ID.Wwid
				if _, isPD := inv.pdByWwid(f.Wwid); f.WwidErr == nil && !isPD {
					f.InUse, f.UseErr = inUse(d, node, mounts)
					f.Sig, f.SigErr = d.Prober.Probe(ctx, d.dev(node))
				}
			} else if !errors.Is(err, fs.ErrNotExist) {
				// Present but not usable (a link to something other than an NVMe namespace):
				// refused as unidentifiable, never guessed at.
				f.Present, f.Node, f.WwidErr = true, pd.Device, err
			} else if kind, value, _ := strings.Cut(pd.Device, ":"); kind == "wwid" {
				f.Wwid = value
			} else {
				f.Wwid = rec.Names[pd.Device]
			}
			if f.Wwid != "" && f.ID.Wwid == "" {
				if rd, ok := rec.drive(f.Wwid); ok {
					f.ID = rd.ID
				}
			}
			facts[gi] = append(facts[gi], f)
		}
	}
	return facts
}

// applyPlan creates what the plan says. Each step is recorded (fsynced) before it is taken and
// confirmed after graidctl lists its result, so a kill between any two steps is recognised.
func applyPlan(ctx context.Context, l *Layout, d Deps, rec *nodeRecord, p *plan, st *Status) error {
	c := d.Graidctl
	save := func() error { return rec.save(d.stateDir()) }
	// 0. What was probed may not be what is there now: a hot-plug or a udev link update can give
	// a kernel name or by-id link to another SSD between the probe and create pd. Check every
	// drive again before the first create, and each again right before its own.
	for _, g := range p.Groups {
		for _, dr := range g.Drives {
			if dr.Create {
				if err := recheckDrive(ctx, d, dr); err != nil {
					return err
				}
			}
		}
	}
	// 1. Drives: remember identities before the NVMe nodes disappear.
	dirty := false
	for _, g := range p.Groups {
		for _, dr := range g.Drives {
			if dr.Wwid != "" && rec.Names[dr.Device] != dr.Wwid && !isIdentityName(dr.Device) {
				rec.Names[dr.Device] = dr.Wwid
				dirty = true
			}
			if rd, ok := rec.drive(dr.Wwid); dr.Create && (!ok || rd.State != stateConfirmed) {
				rec.setDrive(dr.ID, stateIntent)
				dirty = true
			}
		}
	}
	if dirty {
		if err := save(); err != nil {
			return err
		}
		afterStep("record")
	}
	for _, g := range p.Groups {
		for _, dr := range g.Drives {
			if !dr.Create {
				continue
			}
			if d.stopping() {
				return errStopping
			}
			if err := recheckDrive(ctx, d, dr); err != nil {
				return err
			}
			if err := c.CreatePhysicalDrive(ctx, dr.Node); err != nil {
				return err
			}
			afterStep("create pd")
			from := dr.Node
			if dr.Node != dr.Device {
				from += " (" + dr.Device + ")"
			}
			st.Changes = append(st.Changes, "created physical drive from "+from)
		}
	}
	inv, err := listInventory(ctx, c)
	if err != nil {
		return err
	}
	for _, g := range p.Groups {
		for _, dr := range g.Drives {
			if _, ok := inv.pdByWwid(dr.Wwid); ok {
				rec.setDrive(dr.ID, stateConfirmed)
			}
		}
	}
	if err := save(); err != nil {
		return err
	}
	// 2. Drive groups.
	for gi := range p.Groups {
		g := &p.Groups[gi]
		rg, ok := rec.group(g.Members)
		if !ok {
			rec.Groups = append(rec.Groups, recGroup{Level: g.Level, Members: g.Members, State: stateIntent})
			rg = &rec.Groups[len(rec.Groups)-1]
		}
		if rg.State == stateConfirmed {
			continue
		}
		if g.CreateDG {
			if d.stopping() {
				return errStopping
			}
			if err := save(); err != nil {
				return err
			}
			var ids []int
			for _, dr := range g.Drives {
				pd, ok := inv.pdByWwid(dr.Wwid)
				if !ok {
					return fmt.Errorf("driveGroups[%d]: graidctl lists no physical drive for %s (WWID %s) after creating it", g.Index, dr.Device, dr.Wwid)
				}
				ids = append(ids, pd.PdID)
			}
			if err := c.CreateDriveGroup(ctx, g.Level, ids); err != nil {
				return err
			}
			afterStep("create dg")
			st.Changes = append(st.Changes, fmt.Sprintf("created %s drive group from physical drives %s", g.Level, graidctl.FormatIDList(ids)))
			if inv, err = listInventory(ctx, c); err != nil {
				return err
			}
		}
		pd, _ := inv.pdByWwid(g.Drives[0].Wwid)
		dgID, in := pd.InDriveGroup()
		if !in {
			return fmt.Errorf("driveGroups[%d]: physical drive %d is in no drive group after create dg", g.Index, pd.PdID)
		}
		rg.DgID, rg.State, g.DgID = dgID, stateConfirmed, dgID
		if err := save(); err != nil {
			return err
		}
	}
	// 3. Virtual drives, each announced with the id graid will give it (the lowest free one).
	for gi := range p.Groups {
		g := &p.Groups[gi]
		rg, _ := rec.group(g.Members)
		for _, vp := range g.VDs {
			if !vp.Create {
				continue
			}
			v := l.DriveGroups[g.Index].VirtualDrives[vp.Index]
			rv, ok := rg.vd(v.MountPath)
			if ok {
				// The create ran before a crash, unless another mount path's VD got that id
				// meanwhile (the layout reordered the new VDs after the crash): then this
				// intent was never created and is created now.
				if _, listed := inv.vd(rg.DgID, rv.VdID); listed && !otherVDHolds(rg, rv) {
					rv.State = stateConfirmed
					if err := save(); err != nil {
						return err
					}
					continue
				}
			} else {
				rg.VDs = append(rg.VDs, recVD{MountPath: v.MountPath, Size: v.Size, Filesystem: v.Filesystem, State: stateIntent})
				rv = &rg.VDs[len(rg.VDs)-1]
			}
			if d.stopping() {
				return errStopping
			}
			rv.VdID = lowestFreeVD(inv, rg)
			if err := save(); err != nil {
				return err
			}
			afterStep("record vd")
			before := inv.vdsOf(rg.DgID)
			if err := c.CreateVirtualDrive(ctx, rg.DgID, v.GraidctlSize()); err != nil {
				return err
			}
			afterStep("create vd")
			st.Changes = append(st.Changes, fmt.Sprintf("created virtual drive %s in drive group %d for %s", v.Size, rg.DgID, v.MountPath))
			if inv, err = listInventory(ctx, c); err != nil {
				return err
			}
			if _, listed := inv.vd(rg.DgID, rv.VdID); !listed {
				// graid chose another id than the lowest free one: the VD that was not
				// there before is ours, if there is exactly one.
				var added []int
				for _, gv := range inv.vdsOf(rg.DgID) {
					if !slices.ContainsFunc(before, func(b graidctl.VirtualDrive) bool { return b.VdID == gv.VdID }) {
						added = append(added, gv.VdID)
					}
				}
				if len(added) == 1 {
					rv.VdID = added[0]
				}
			}
			if _, listed := inv.vd(rg.DgID, rv.VdID); !listed {
				return fmt.Errorf("driveGroups[%d].virtualDrives[%d]: graid does not list virtual drive %d/%d after creating it; the record keeps it as an intent and nothing is formatted", g.Index, vp.Index, rg.DgID, rv.VdID)
			}
			rv.State = stateConfirmed
			if err := save(); err != nil {
				return err
			}
		}
	}
	return nil
}

// otherVDHolds reports whether another mount path's VD of the group is confirmed with rv's id.
func otherVDHolds(rg *recGroup, rv *recVD) bool {
	return slices.ContainsFunc(rg.VDs, func(o recVD) bool {
		return o.MountPath != rv.MountPath && o.VdID == rv.VdID && o.State == stateConfirmed
	})
}

// lowestFreeVD is the id graid gives the next VD of a group: the lowest one neither listed nor
// recorded for another mount (graid-bench's `create vd 0` yields the VD `del vd 0 0` removes).
func lowestFreeVD(inv inventory, rg *recGroup) int {
	for id := 0; ; id++ {
		_, listed := inv.vd(rg.DgID, id)
		if !listed && !slices.ContainsFunc(rg.VDs, func(r recVD) bool { return r.VdID == id && r.State == stateConfirmed }) {
			return id
		}
	}
}

// isEmptyDir reports whether dir has no entries.
func isEmptyDir(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	return len(entries) == 0, err
}

// resolveDrive returns the /dev/nvmeXnY node a configured drive path names: the path itself, or
// the target of a /dev/disk/by-id or by-path link. fs.ErrNotExist means the drive is not there
// (or no longer: a PD's NVMe node and its links disappear).
func resolveDrive(d Deps, device string) (string, error) {
	if isIdentityName(device) {
		return findByIdentity(d, device)
	}
	full := d.dev(device)
	if _, err := os.Stat(full); err != nil {
		return "", err
	}
	if isKernelName(device) {
		return device, nil
	}
	target, err := filepath.EvalSymlinks(full)
	if err != nil {
		return "", err
	}
	node := "/dev/" + filepath.Base(target)
	if filepath.Clean(d.dev(node)) != target || !isKernelName(node) {
		return "", fmt.Errorf("%s links to %s, which is not an NVMe namespace /dev/nvmeXnY", device, strings.TrimPrefix(target, filepath.Clean(d.DevRoot)))
	}
	return node, nil
}

// afterStep is called after each step whose effect outlives the process (record, create pd,
// create dg, create vd, mkfs, mount). Tests replace it to kill the agent right there.
var afterStep = func(step string) {}
