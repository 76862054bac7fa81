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
	// Mounted lists the mount points (container paths) verified to hold
	// their virtual drive; only these are unmounted on shutdown.
	Mounted []string
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
	p := makePlan(l, gatherFacts(ctx, l, d, rec, inv), inv)
	for _, r := range p.Refusals {
		st.refuse(r)
	}
	if st.Refused {
		return st
	}
	vds, err := applyPlan(ctx, l, d, rec, p, &st)
	if err != nil {
		st.fail(err)
		return st
	}
	mounted := map[string]bool{}
	for gi, g := range l.DriveGroups {
		for vi, v := range g.VirtualDrives {
			where := fmt.Sprintf("driveGroups[%d].virtualDrives[%d]", gi, vi)
			ok, err := ensureVolume(ctx, d, where, v, vds[gi][vi], &st)
			if err != nil {
				st.fail(fmt.Errorf("%s: %w", where, err))
			}
			mounted[v.MountPath] = ok
			if ok {
				st.Mounted = append(st.Mounted, d.target(v.MountPath))
			}
		}
	}
	for ti, t := range l.Tenants {
		where := fmt.Sprintf("tenants[%d]", ti)
		if !mounted[t.MountPath] {
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

// gatherFacts looks at each configured drive on the host. Only drives that
// are present and not yet PDs are probed for foreign data.
func gatherFacts(ctx context.Context, l *Layout, d Deps, rec *driveRecord, inv inventory) [][]driveFact {
	facts := make([][]driveFact, len(l.DriveGroups))
	for gi, g := range l.DriveGroups {
		for _, pd := range g.PhysicalDrives {
			f := driveFact{Device: pd.Device}
			if node, err := resolveDrive(d, pd.Device); err == nil {
				f.Present, f.Node = true, node
				b, err := os.ReadFile(d.sys(filepath.Join("/sys/class/block", filepath.Base(node), "wwid")))
				f.Wwid, f.WwidErr = strings.TrimSpace(string(b)), err
				if err == nil && f.Wwid == "" {
					f.WwidErr = errors.New("empty wwid")
				}
				if _, isPD := inv.pdByWwid(f.Wwid); f.WwidErr == nil && !isPD {
					f.Sig, f.SigErr = d.Prober.Probe(ctx, d.dev(node))
				}
			} else if !errors.Is(err, fs.ErrNotExist) {
				// Present but not usable (a link to something other than an NVMe namespace):
				// refused as unidentifiable, never guessed at.
				f.Present, f.Node, f.WwidErr = true, pd.Device, err
			} else {
				f.Wwid = rec.Drives[pd.Device]
			}
			facts[gi] = append(facts[gi], f)
		}
	}
	return facts
}

// applyPlan creates what the plan says and returns, per configured virtual
// drive, the graidctl VD that backs it.
func applyPlan(ctx context.Context, l *Layout, d Deps, rec *driveRecord, p plan, st *Status) ([][]graidctl.VirtualDrive, error) {
	c := d.Graidctl
	// Remember identities before the NVMe nodes disappear.
	dirty := false
	for _, g := range p.Groups {
		for _, dr := range g.Drives {
			if dr.Create && rec.Drives[dr.Device] != dr.Wwid {
				rec.Drives[dr.Device] = dr.Wwid
				dirty = true
			}
		}
	}
	if dirty {
		if err := rec.save(d.stateDir()); err != nil {
			return nil, err
		}
	}
	for _, g := range p.Groups {
		for _, dr := range g.Drives {
			if dr.Create {
				if err := c.CreatePhysicalDrive(ctx, dr.Node); err != nil {
					return nil, err
				}
				from := dr.Node
				if dr.Node != dr.Device {
					from += " (" + dr.Device + ")"
				}
				st.Changes = append(st.Changes, "created physical drive from "+from)
			}
		}
	}
	inv, err := listInventory(ctx, c)
	if err != nil {
		return nil, err
	}
	dgIDs := make([]int, len(p.Groups))
	for gi, g := range p.Groups {
		if !g.CreateDG {
			dgIDs[gi] = g.DgID
			continue
		}
		var ids []int
		for _, dr := range g.Drives {
			pd, ok := inv.pdByWwid(dr.Wwid)
			if !ok {
				return nil, fmt.Errorf("driveGroups[%d]: graidctl lists no physical drive for %s (WWID %s) after creating it", gi, dr.Device, dr.Wwid)
			}
			ids = append(ids, pd.PdID)
		}
		if err := c.CreateDriveGroup(ctx, g.Level, ids); err != nil {
			return nil, err
		}
		st.Changes = append(st.Changes, fmt.Sprintf("created %s drive group from physical drives %s", g.Level, graidctl.FormatIDList(ids)))
		if inv, err = listInventory(ctx, c); err != nil {
			return nil, err
		}
		pd, _ := inv.pdByWwid(g.Drives[0].Wwid)
		dgID, in := pd.InDriveGroup()
		if !in {
			return nil, fmt.Errorf("driveGroups[%d]: physical drive %d is in no drive group after create dg", gi, pd.PdID)
		}
		dgIDs[gi] = dgID
	}
	created := false
	for gi := range p.Groups {
		existing := len(inv.vdsOf(dgIDs[gi]))
		for vi := existing; vi < len(l.DriveGroups[gi].VirtualDrives); vi++ {
			v := l.DriveGroups[gi].VirtualDrives[vi]
			if err := c.CreateVirtualDrive(ctx, dgIDs[gi], v.GraidctlSize()); err != nil {
				return nil, err
			}
			created = true
			st.Changes = append(st.Changes, fmt.Sprintf("created virtual drive %s in drive group %d for %s", v.Size, dgIDs[gi], v.MountPath))
		}
	}
	if created {
		if inv, err = listInventory(ctx, c); err != nil {
			return nil, err
		}
	}
	out := make([][]graidctl.VirtualDrive, len(p.Groups))
	for gi := range p.Groups {
		vds := inv.vdsOf(dgIDs[gi])
		if len(vds) < len(l.DriveGroups[gi].VirtualDrives) {
			return nil, fmt.Errorf("driveGroups[%d]: drive group %d lists %d virtual drives after creating, want %d", gi, dgIDs[gi], len(vds), len(l.DriveGroups[gi].VirtualDrives))
		}
		out[gi] = vds[:len(l.DriveGroups[gi].VirtualDrives)]
	}
	return out, nil
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
	full := d.dev(device)
	if _, err := os.Stat(full); err != nil {
		return "", err
	}
	if nvmeDevice.MatchString(device) {
		return device, nil
	}
	target, err := filepath.EvalSymlinks(full)
	if err != nil {
		return "", err
	}
	node := "/dev/" + filepath.Base(target)
	if filepath.Clean(d.dev(node)) != target || !nvmeDevice.MatchString(node) {
		return "", fmt.Errorf("%s links to %s, which is not an NVMe namespace /dev/nvmeXnY", device, strings.TrimPrefix(target, filepath.Clean(d.DevRoot)))
	}
	return node, nil
}
