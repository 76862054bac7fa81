package graidctlsim

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
)

// remove implements `graidctl del`. The real CLI insists on
// --confirm-to-delete; the simulator demands it for every kind so a caller
// that ever tries to delete is caught.
func remove(st *State, inv invocation, rest []string, root string, stdout, stderr io.Writer) int {
	if len(rest) == 0 || kind(rest[0]) == "" || kind(rest[0]) == "cx" {
		return fail(stderr, "usage: graidctl del pd|dg|vd ... --confirm-to-delete")
	}
	if !inv.confirm {
		return fail(stderr, "deleting is destructive: add --confirm-to-delete")
	}
	args := rest[1:]
	switch kind(rest[0]) {
	case "vd":
		if len(args) != 2 {
			return fail(stderr, "usage: graidctl del vd <dg id> <vd id> --confirm-to-delete")
		}
		dg, err1 := strconv.Atoi(args[0])
		vd, err2 := strconv.Atoi(args[1])
		i := slices.IndexFunc(st.VDs, func(v VD) bool { return v.DG == dg && v.ID == vd })
		if err1 != nil || err2 != nil || i < 0 {
			return fail(stderr, fmt.Sprintf("virtual drive %s/%s does not exist", args[0], args[1]))
		}
		if root != "" {
			_ = os.Remove(filepath.Join(root, st.VDs[i].Device))
		}
		st.VDs = slices.Delete(st.VDs, i, i+1)
	case "dg":
		if len(args) != 1 {
			return fail(stderr, "usage: graidctl del dg <dg id> --confirm-to-delete")
		}
		dg, err := strconv.Atoi(args[0])
		i := slices.IndexFunc(st.DGs, func(d DG) bool { return d.ID == dg })
		if err != nil || i < 0 {
			return fail(stderr, fmt.Sprintf("drive group %s does not exist", args[0]))
		}
		if slices.ContainsFunc(st.VDs, func(v VD) bool { return v.DG == dg }) {
			return fail(stderr, fmt.Sprintf("drive group %d still has virtual drives", dg))
		}
		for j := range st.PDs {
			if st.PDs[j].DG != nil && *st.PDs[j].DG == dg {
				st.PDs[j].DG = nil
			}
		}
		st.DGs = slices.Delete(st.DGs, i, i+1)
	case "pd":
		if len(args) != 1 {
			return fail(stderr, "usage: graidctl del pd <pd ids> --confirm-to-delete")
		}
		ids, err := graidctl.ParseIDList(args[0])
		if err != nil {
			return fail(stderr, err.Error())
		}
		for _, id := range ids {
			i := slices.IndexFunc(st.PDs, func(p PD) bool { return p.ID == id })
			if i < 0 {
				return fail(stderr, fmt.Sprintf("physical drive %d does not exist", id))
			}
			if st.PDs[i].DG != nil {
				return fail(stderr, fmt.Sprintf("physical drive %d belongs to drive group %d", id, *st.PDs[i].DG))
			}
		}
		for _, id := range ids {
			i := slices.IndexFunc(st.PDs, func(p PD) bool { return p.ID == id })
			if root != "" {
				// The SSD returns to the OS under its NVMe name.
				_ = os.Remove(filepath.Join(root, graidctl.PDDevicePath(id)))
				_ = touch(filepath.Join(root, st.PDs[i].Source), 0)
			}
			st.PDs = slices.Delete(st.PDs, i, i+1)
		}
	}
	fmt.Fprintln(stdout, "\u2714Delete successfully.")
	return 0
}
