package graidctlsim

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
	"supremeraid.dev/supremeraid-fn/generators/nodelayout"
)

// Product limits: the layout contract's table, so the simulator refuses what the product does.
const (
	maxPDs      = nodelayout.MaxPhysicalDrives
	maxDGs      = nodelayout.MaxDriveGroups
	maxPDsPerDG = nodelayout.MaxDrivesPerGroup
	maxVDsPerDG = nodelayout.MaxVirtualDrivesPerGroup
)

// minDrives per RAID level, upper case as graidctl lists levels.
var minDrives = func() map[string]int {
	m := map[string]int{}
	for level, n := range nodelayout.MinDrives {
		m[strings.ToUpper(level)] = n
	}
	return m
}()

var (
	nvmeNamespace = regexp.MustCompile(`^/dev/nvme(\d+)n(\d+)$`)
	nvmeRange     = regexp.MustCompile(`^/dev/nvme(\d+)-(\d+)$`)
	vdSize        = regexp.MustCompile(`^[1-9][0-9]*[KMGTP]?$`)
)

func create(st *State, rest []string, root string, stdout, stderr io.Writer) int {
	if len(rest) == 0 || kind(rest[0]) == "" || kind(rest[0]) == "cx" {
		return fail(stderr, "usage: graidctl create pd|dg|vd ...")
	}
	if !st.Licensed {
		return fail(stderr, "no valid license: apply a license first")
	}
	if root == "" {
		return fail(stderr, EnvRoot+" must name the directory that holds the simulated /dev and /sys")
	}
	var err error
	var msg string
	switch kind(rest[0]) {
	case "pd":
		msg, err = createPDs(st, rest[1:], root)
	case "dg":
		msg, err = createDG(st, rest[1:])
	case "vd":
		msg, err = createVD(st, rest[1:], root)
	}
	if err != nil {
		return fail(stderr, err.Error())
	}
	fmt.Fprintln(stdout, "\u2714"+msg)
	return 0
}

// expandDevices turns the documented device forms into namespace paths.
func expandDevices(args []string) ([]string, error) {
	if len(args) == 0 {
		return nil, errors.New("create pd needs at least one device")
	}
	var out []string
	for _, a := range args {
		if nvmeNamespace.MatchString(a) {
			out = append(out, a)
			continue
		}
		m := nvmeRange.FindStringSubmatch(a)
		if m == nil {
			return nil, fmt.Errorf("unsupported device %q (use /dev/nvmeXnY or /dev/nvmeA-B)", a)
		}
		lo, _ := strconv.Atoi(m[1])
		hi, _ := strconv.Atoi(m[2])
		if hi < lo {
			return nil, fmt.Errorf("bad device range %q", a)
		}
		for i := lo; i <= hi; i++ {
			out = append(out, fmt.Sprintf("/dev/nvme%dn1", i))
		}
	}
	return out, nil
}

func createPDs(st *State, args []string, root string) (string, error) {
	devices, err := expandDevices(args)
	if err != nil {
		return "", err
	}
	type planned struct{ dev, wwid string }
	var plan []planned
	for _, dev := range devices {
		fi, err := os.Lstat(filepath.Join(root, dev))
		if err != nil || fi.IsDir() {
			return "", fmt.Errorf("device %s not found", dev)
		}
		b, err := os.ReadFile(filepath.Join(root, "sys/class/block", filepath.Base(dev), "wwid"))
		if err != nil {
			return "", fmt.Errorf("cannot identify %s: %v", dev, err)
		}
		wwid := strings.TrimSpace(string(b))
		if slices.ContainsFunc(st.PDs, func(p PD) bool { return p.Wwid == wwid }) ||
			slices.ContainsFunc(plan, func(p planned) bool { return p.wwid == wwid }) {
			return "", fmt.Errorf("%s (%s) is already a physical drive", dev, wwid)
		}
		plan = append(plan, planned{dev, wwid})
	}
	if len(st.PDs)+len(plan) > maxPDs {
		return "", fmt.Errorf("at most %d physical drives are supported", maxPDs)
	}
	for _, p := range plan {
		id := lowestFree(func(id int) bool { return slices.ContainsFunc(st.PDs, func(pd PD) bool { return pd.ID == id }) })
		// The driver unbinds the SSD: its NVMe node goes, a gpd node appears.
		if err := os.Remove(filepath.Join(root, p.dev)); err != nil {
			return "", fmt.Errorf("unbinding %s: %v", p.dev, err)
		}
		if err := touch(filepath.Join(root, graidctl.PDDevicePath(id)), 0); err != nil {
			return "", err
		}
		st.PDs = append(st.PDs, PD{ID: id, Source: p.dev, Wwid: p.wwid})
	}
	return "Create physical drive successfully.", nil
}

func createDG(st *State, args []string) (string, error) {
	if len(args) != 2 {
		return "", errors.New("usage: graidctl create dg <raid level> <pd ids>")
	}
	level := strings.ToUpper(args[0])
	min, ok := minDrives[level]
	if !ok {
		return "", fmt.Errorf("unsupported RAID level %q (raid0|raid1|raid5|raid6|raid10)", args[0])
	}
	ids, err := graidctl.ParseIDList(args[1])
	if err != nil {
		return "", err
	}
	if len(ids) < min {
		return "", fmt.Errorf("%s needs at least %d physical drives, got %d", strings.ToLower(level), min, len(ids))
	}
	if len(ids) > maxPDsPerDG {
		return "", fmt.Errorf("a drive group holds at most %d physical drives", maxPDsPerDG)
	}
	for _, id := range ids {
		i := slices.IndexFunc(st.PDs, func(p PD) bool { return p.ID == id })
		if i < 0 {
			return "", fmt.Errorf("physical drive %d does not exist", id)
		}
		if st.PDs[i].DG != nil {
			return "", fmt.Errorf("physical drive %d already belongs to drive group %d", id, *st.PDs[i].DG)
		}
	}
	if len(st.DGs) >= maxDGs {
		return "", fmt.Errorf("at most %d drive groups are supported", maxDGs)
	}
	dgID := lowestFree(func(id int) bool { return slices.ContainsFunc(st.DGs, func(d DG) bool { return d.ID == id }) })
	for _, id := range ids {
		i := slices.IndexFunc(st.PDs, func(p PD) bool { return p.ID == id })
		st.PDs[i].DG = &dgID
	}
	// graid initialises a new group in the background (the user guide: creating a drive
	// group initialises its drives); it is usable meanwhile.
	st.DGs = append(st.DGs, DG{ID: dgID, Level: level, Init: 2})
	return "Create drive group successfully.", nil
}

func createVD(st *State, args []string, root string) (string, error) {
	if len(args) < 1 || len(args) > 2 {
		return "", errors.New("usage: graidctl create vd <dg id> [size]")
	}
	dgID, err := strconv.Atoi(args[0])
	if err != nil || !slices.ContainsFunc(st.DGs, func(d DG) bool { return d.ID == dgID }) {
		return "", fmt.Errorf("drive group %q does not exist", args[0])
	}
	size := ""
	if len(args) == 2 {
		size = args[1]
		if !vdSize.MatchString(size) {
			return "", fmt.Errorf("invalid size %q (a whole number with an optional K, M, G, T or P suffix)", size)
		}
	}
	inDG := func(id int) bool {
		return slices.ContainsFunc(st.VDs, func(v VD) bool { return v.DG == dgID && v.ID == id })
	}
	vdID := st.VDIDBase
	for inDG(vdID) {
		vdID++
	}
	if vdID >= maxVDsPerDG {
		return "", fmt.Errorf("a drive group holds at most %d virtual drives", maxVDsPerDG)
	}
	dev := graidctl.VDDevicePath(dgID, vdID)
	if st.VDNodeDelay > 0 {
		if st.PendingNodes == nil {
			st.PendingNodes = map[string]int{}
		}
		st.PendingNodes[dev] = st.VDNodeDelay
	} else if err := materialiseVD(st, root, dev); err != nil {
		return "", err
	}
	st.VDs = append(st.VDs, VD{DG: dgID, ID: vdID, Size: size, Device: dev})
	return "Create virtual drive successfully.", nil
}

func lowestFree(used func(int) bool) int {
	id := 0
	for used(id) {
		id++
	}
	return id
}

// touch creates a (sparse) file of the given size, keeping an existing one.
func touch(path string, size int64) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() < size {
		return f.Truncate(size)
	}
	return nil
}

// materialiseVD creates a VD's device node: a link to a real device (VDLinks) or a sparse file.
func materialiseVD(st *State, root, dev string) error {
	path := filepath.Join(root, dev)
	if target, ok := st.VDLinks[dev]; ok {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.Symlink(target, path); err != nil {
			return fmt.Errorf("linking %s: %v", dev, err)
		}
		return nil
	}
	bytes := st.VDFileBytes
	if bytes == 0 {
		bytes = DefaultVDFileBytes
	}
	return touch(path, bytes)
}
