package graidctlsim

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
)

// Output shapes. "Result", "ControllerId", "State", "PdId", "DgId" and
// "VdId" appear in public scripts that parse real graidctl JSON; the other
// member names are this simulator's minimal guess (see fn/agent/graidctl).
type cxOut struct {
	ControllerID int    `json:"ControllerId"`
	State        string `json:"State"`
}

type pdOut struct {
	PdID       int    `json:"PdId"`
	DgID       *int   `json:"DgId,omitempty"`
	DevicePath string `json:"DevicePath"`
	Wwid       string `json:"Wwid"`
	State      string `json:"State"`
}

type dgOut struct {
	DgID  int    `json:"DgId"`
	Mode  string `json:"Mode"`
	State string `json:"State"`
	// Progress (percent) is present only while a fault set one (a rebuild).
	Progress *float64 `json:"Progress,omitempty"`
}

// ndOut is one NVMe namespace graid can see (`ls nd`): public output names its path DevPath.
type ndOut struct {
	DevPath string `json:"DevPath"`
	Wwid    string `json:"Wwid"`
}

type vdOut struct {
	DgID       int    `json:"DgId"`
	VdID       int    `json:"VdId"`
	DevicePath string `json:"DevicePath"`
	Size       string `json:"Size"`
	State      string `json:"State"`
}

func list(st *State, inv invocation, rest []string, root string, stdout, stderr io.Writer) int {
	if len(rest) != 1 || kind(rest[0]) == "" {
		return fail(stderr, "usage: graidctl ls cx|pd|dg|vd|nd [--format json]")
	}
	k := kind(rest[0])
	if inv.dgID != nil && k != "dg" && k != "vd" {
		return fail(stderr, "--dg-id applies to dg and vd only")
	}
	var rows any
	var table [][]string
	importing := st.ImportPending > 0 && k != "cx"
	if importing && k == "pd" {
		st.ImportPending--
		if st.ImportPending == 0 {
			finishImport(st, root)
		}
	}
	switch k {
	case "cx":
		state := "NO_LICENSE" // invented: public scripts only test for ONLINE
		if st.Licensed {
			state = "ONLINE"
		}
		rows = []cxOut{{ControllerID: 0, State: state}}
		table = [][]string{{"CX ID", "STATE"}, {"0", state}}
	case "pd":
		out := []pdOut{}
		table = [][]string{{"PD ID", "DG ID", "DEVICE PATH", "NQN/WWID", "STATE"}}
		for _, pd := range sortedPDs(st) {
			if importing {
				break
			}
			state, dg := "UNCONFIGURED_GOOD", "-"
			if pd.DG != nil {
				state, dg = "ONLINE", fmt.Sprint(*pd.DG)
			}
			if pd.Missing {
				state = "MISSING"
			}
			state = st.pdState(pd.ID, state)
			out = append(out, pdOut{PdID: pd.ID, DgID: pd.DG, DevicePath: pdDevice(pd.ID), Wwid: pd.Wwid, State: state})
			table = append(table, []string{fmt.Sprint(pd.ID), dg, pdDevice(pd.ID), pd.Wwid, state})
		}
		rows = out
	case "dg":
		out := []dgOut{}
		table = [][]string{{"DG ID", "MODE", "STATE"}}
		for _, dg := range sortedDGs(st) {
			if importing {
				break
			}
			if inv.dgID != nil && *inv.dgID != dg.ID {
				continue
			}
			state := "OPTIMAL"
			switch {
			case slices.ContainsFunc(st.PDs, func(p PD) bool { return p.Missing && p.DG != nil && *p.DG == dg.ID }):
				state = "DEGRADED"
			case dg.Init > 0:
				state = "INIT"
				st.DGs[slices.IndexFunc(st.DGs, func(d DG) bool { return d.ID == dg.ID })].Init--
			}
			state = st.dgState(dg.ID, state)
			out = append(out, dgOut{DgID: dg.ID, Mode: dg.Level, State: state, Progress: st.dgProgress(dg.ID)})
			table = append(table, []string{fmt.Sprint(dg.ID), dg.Level, state})
		}
		rows = out
	case "nd":
		out := []ndOut{}
		table = [][]string{{"DEV PATH", "NQN/WWID"}}
		entries, _ := os.ReadDir(filepath.Join(root, "sys/class/block"))
		for _, e := range entries {
			if !nvmeNamespace.MatchString("/dev/" + e.Name()) {
				continue
			}
			if _, err := os.Stat(filepath.Join(root, "dev", e.Name())); err != nil {
				continue // claimed by graid or gone
			}
			b, _ := os.ReadFile(filepath.Join(root, "sys/class/block", e.Name(), "wwid"))
			w := strings.TrimSpace(string(b))
			out = append(out, ndOut{DevPath: "/dev/" + e.Name(), Wwid: w})
			table = append(table, []string{"/dev/" + e.Name(), w})
		}
		rows = out
	case "vd":
		out := []vdOut{}
		table = [][]string{{"DG ID", "VD ID", "DEVICE PATH", "SIZE", "STATE"}}
		for _, vd := range sortedVDs(st) {
			if importing {
				break
			}
			if inv.dgID != nil && *inv.dgID != vd.DG {
				continue
			}
			size := vd.Size
			if size == "" {
				size = "ALL"
			}
			state := st.dgState(vd.DG, "OPTIMAL") // a VD is as healthy as its drive group
			out = append(out, vdOut{DgID: vd.DG, VdID: vd.ID, DevicePath: vd.Device, Size: size, State: state})
			table = append(table, []string{fmt.Sprint(vd.DG), fmt.Sprint(vd.ID), vd.Device, size, state})
		}
		rows = out
	}
	if inv.format == "json" {
		b, err := json.Marshal(map[string]any{"Result": rows})
		if err != nil {
			return fail(stderr, err.Error())
		}
		fmt.Fprintln(stdout, string(b))
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, row := range table {
		for i, cell := range row {
			if i > 0 {
				fmt.Fprint(tw, "\t")
			}
			fmt.Fprint(tw, cell)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	return 0
}

func sortedPDs(st *State) []PD {
	out := slices.Clone(st.PDs)
	slices.SortFunc(out, func(a, b PD) int { return a.ID - b.ID })
	return out
}

func sortedDGs(st *State) []DG {
	out := slices.Clone(st.DGs)
	slices.SortFunc(out, func(a, b DG) int { return a.ID - b.ID })
	return out
}

func sortedVDs(st *State) []VD {
	out := slices.Clone(st.VDs)
	slices.SortFunc(out, func(a, b VD) int {
		if a.DG != b.DG {
			return a.DG - b.DG
		}
		return a.ID - b.ID
	})
	return out
}

func pdDevice(id int) string { return fmt.Sprintf("/dev/gpd%d", id) }
