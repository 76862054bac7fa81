package nfd

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/internal/testtool"
)

// The default GPU device IDs are checked against Debian's pci.ids database (package pci.ids,
// installed by `make tools-apt`), read where the package installs it rather than copied here,
// so the check is against the real, versioned database. PCI_IDS overrides the path.
const defaultPCIIDsPath = "/usr/share/misc/pci.ids"

// cards maps each default device ID to the GPU SupremeRAID ships on it, as NVIDIA's
// "Compatible GPUs" table names the product (without the "NVIDIA " prefix): SR-1000 on the T1000
// and T1000 8GB, SR-1001 on the T400 and T400 4GB, SR-1010 on the RTX A2000 and A2000 12GB,
// SR-PAM2 on the RTX A1000, and the RTX A400 of the same family.
var cards = map[string]string{
	"1fb0": "T1000",
	"1fb2": "T400",
	"1ff0": "T1000 8GB",
	"1ff2": "T400 4GB",
	"2531": "RTX A2000",
	"2571": "RTX A2000 12GB",
	"25b0": "RTX A1000",
	"25b2": "RTX A400",
}

// nvidiaGPUIDs reads testdata/nvidia-gpu-ids.md (an extract of NVIDIA's table; see
// testdata/README.md): rows "| NVIDIA <product> | <device> <subvendor> <subdevice> |". It
// returns device ID (lower case) -> the product names given to it.
func nvidiaGPUIDs(t *testing.T) map[string]map[string]bool {
	t.Helper()
	f, err := os.Open("testdata/nvidia-gpu-ids.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	row := regexp.MustCompile(`^\|\s*NVIDIA (.+?)\s*\|\s*([0-9A-F]{4}) [0-9A-F]{4} [0-9A-F]{4}\s*\|$`)
	ids := map[string]map[string]bool{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		m := row.FindStringSubmatch(s.Text())
		if m == nil {
			continue
		}
		id := strings.ToLower(m[2])
		if ids[id] == nil {
			ids[id] = map[string]bool{}
		}
		ids[id][m[1]] = true
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if len(ids) < 8 {
		t.Fatalf("testdata/nvidia-gpu-ids.md: only %d device IDs parsed", len(ids))
	}
	return ids
}

// TestDefaultGPUDeviceIDsInNvidiaTable proves each default ID is the GPU it is meant to be by
// NVIDIA's own table, so a typo or a neighbouring ID (a laptop variant) cannot slip in, and that
// every SupremeRAID GPU is covered.
func TestDefaultGPUDeviceIDsInNvidiaTable(t *testing.T) {
	table := nvidiaGPUIDs(t)
	for _, id := range config.DefaultGPUDeviceIDs {
		want, known := cards[id]
		if !known {
			t.Errorf("default device ID %s has no expected card in this test: add the card it stands for", id)
			continue
		}
		names, ok := table[id]
		if !ok {
			t.Errorf("10de:%s is not in NVIDIA's table (testdata/nvidia-gpu-ids.md)", id)
			continue
		}
		if !names[want] || len(names) != 1 {
			t.Errorf("10de:%s is %v in NVIDIA's table, want only the %s", id, names, want)
		}
	}
	for id := range cards {
		if !contains(config.DefaultGPUDeviceIDs, id) {
			t.Errorf("card %s (%s) is expected but not among config.DefaultGPUDeviceIDs", id, cards[id])
		}
	}
}

// TestDefaultGPUDeviceIDsInPCIIDs cross-checks the defaults against Debian's pci.ids where it has
// an entry; its 2023.04.10 release lacks the RTX A1000 and RTX A400, which NVIDIA's table covers.
func TestDefaultGPUDeviceIDsInPCIIDs(t *testing.T) {
	db := loadPCIIDs(t)
	if got := db.vendors[NVIDIAVendorID]; got != "NVIDIA Corporation" {
		t.Errorf("vendor %s: pci.ids names it %q, want NVIDIA Corporation", NVIDIAVendorID, got)
	}
	if got := db.classes[NVMeClass]; got != "Non-Volatile memory controller" {
		t.Errorf("class %s: pci.ids names it %q, want Non-Volatile memory controller", NVMeClass, got)
	}
	found := 0
	for _, id := range config.DefaultGPUDeviceIDs {
		name, ok := db.devices[NVIDIAVendorID][id]
		if !ok {
			t.Logf("10de:%s (%s) is not in pci.ids %s; NVIDIA's table vouches for it", id, cards[id], db.version)
			continue
		}
		found++
		// The GPU family must agree. pci.ids 2023.04.10 names 1fb0 and 1fb2 after their mobile
		// variants ("Quadro T1000 Mobile"); NVIDIA's table lists the desktop T1000 and T400
		// boards (subsystems 12db and 1489) under the same device IDs, and the device ID is all
		// NFD's rule matches.
		family := regexp.MustCompile(` [0-9]+GB$`).ReplaceAllString(cards[id], "")
		if got := marketingName(name); !strings.Contains(got, family) {
			t.Errorf("10de:%s is %q in pci.ids, want a %s", id, name, family)
		}
	}
	if found < 4 {
		t.Errorf("only %d default IDs are in pci.ids %s; expected at least the T1000 8GB, T400 4GB and both A2000s", found, db.version)
	}
}

// TestParsePCIIDs checks the parser on a sample shaped like the real file: devices belong to
// the vendor above them (Intel's 2531 is not NVIDIA's), subsystem lines and comments are skipped,
// and the class section is read separately.
func TestParsePCIIDs(t *testing.T) {
	sample := "# comment\n" +
		"#\tVersion: 2023.04.10\n" +
		"10de  NVIDIA Corporation\n" +
		"\t1ff2  TU117GL [T400 4GB]\n" +
		"\t\t10de 1613  T400 4GB\n" +
		"\t2531  GA106 [RTX A2000]\n" +
		"8086  Intel Corporation\n" +
		"\t2531  82860 860 (Wombat) Chipset Host Bridge (MCH)\n" +
		"\n" +
		"C 01  Mass storage controller\n" +
		"\t08  Non-Volatile memory controller\n" +
		"\t\t02  NVM Express\n" +
		"C 03  Display controller\n" +
		"\t02  3D controller\n"
	db, err := parsePCIIDs(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		got    string
		want   string
	}{
		"version":        {reason: "the header names the database release", got: db.version, want: "2023.04.10"},
		"nvidia vendor":  {reason: "vendor lines", got: db.vendors["10de"], want: "NVIDIA Corporation"},
		"nvidia device":  {reason: "device lines under their vendor", got: db.devices["10de"]["2531"], want: "GA106 [RTX A2000]"},
		"intel device":   {reason: "the same ID under another vendor stays there", got: db.devices["8086"]["2531"], want: "82860 860 (Wombat) Chipset Host Bridge (MCH)"},
		"subsystem skip": {reason: "subsystem lines do not overwrite the device", got: db.devices["10de"]["1ff2"], want: "TU117GL [T400 4GB]"},
		"nvme class":     {reason: "class+subclass as nfd reports it", got: db.classes["0108"], want: "Non-Volatile memory controller"},
		"3d class":       {reason: "a later class keeps its own subclasses", got: db.classes["0302"], want: "3D controller"},
		"marketing name": {reason: "the bracketed product name", got: marketingName("TU117GL [T1000 8GB]"), want: "T1000 8GB"},
		"no brackets":    {reason: "a name without brackets is used whole", got: marketingName("GA106"), want: "GA106"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, tc.got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
	if _, err := parsePCIIDs(strings.NewReader("\tabcd  orphan device\n")); err == nil {
		t.Error("a device line before any vendor must be an error, not silently dropped")
	}
}

type pciIDs struct {
	version string
	vendors map[string]string            // vendor ID -> name
	devices map[string]map[string]string // vendor ID -> device ID -> name
	classes map[string]string            // class+subclass (4 hex digits) -> subclass name
}

var (
	vendorLine   = regexp.MustCompile(`^([0-9a-f]{4})  (.+)$`)
	deviceLine   = regexp.MustCompile(`^\t([0-9a-f]{4})  (.+)$`)
	classLine    = regexp.MustCompile(`^C ([0-9a-f]{2})  (.+)$`)
	subclassLine = regexp.MustCompile(`^\t([0-9a-f]{2})  (.+)$`)
	versionLine  = regexp.MustCompile(`^#\s+Version:\s+(\S+)`)
)

// parsePCIIDs reads the pci.ids format: vendor lines, tab-indented device lines, two-tab
// subsystem lines, then "C xx" class sections with tab-indented subclasses.
func parsePCIIDs(r io.Reader) (*pciIDs, error) {
	db := &pciIDs{vendors: map[string]string{}, devices: map[string]map[string]string{}, classes: map[string]string{}}
	var vendor, class string
	s := bufio.NewScanner(r)
	s.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; s.Scan(); n++ {
		line := s.Text()
		switch {
		case versionLine.MatchString(line):
			db.version = versionLine.FindStringSubmatch(line)[1]
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, "\t\t"):
		case classLine.MatchString(line):
			class, vendor = classLine.FindStringSubmatch(line)[1], ""
		case class != "" && subclassLine.MatchString(line):
			m := subclassLine.FindStringSubmatch(line)
			db.classes[class+m[1]] = m[2]
		case vendorLine.MatchString(line):
			m := vendorLine.FindStringSubmatch(line)
			vendor, class = m[1], ""
			db.vendors[vendor] = m[2]
			db.devices[vendor] = map[string]string{}
		case deviceLine.MatchString(line):
			if vendor == "" {
				return nil, fmt.Errorf("line %d: device line outside a vendor: %q", n, line)
			}
			m := deviceLine.FindStringSubmatch(line)
			db.devices[vendor][m[1]] = m[2]
		}
	}
	return db, s.Err()
}

func loadPCIIDs(t *testing.T) *pciIDs {
	t.Helper()
	path := os.Getenv("PCI_IDS")
	if path == "" {
		path = defaultPCIIDsPath
	}
	f, err := os.Open(path)
	if err != nil {
		testtool.Missing(t, "pci.ids database not readable (%v): run `make tools-apt` (Debian package pci.ids) or set PCI_IDS", err)
	}
	defer f.Close()
	db, err := parsePCIIDs(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(db.devices[NVIDIAVendorID]) < 100 {
		t.Fatalf("%s: only %d NVIDIA devices parsed: not a pci.ids database?", path, len(db.devices[NVIDIAVendorID]))
	}
	t.Logf("pci.ids %s, release %s", path, db.version)
	return db
}

// marketingName is the bracketed product name pci.ids gives most GPUs ("TU117GL [T400 4GB]").
func marketingName(name string) string {
	if i, j := strings.Index(name, "["), strings.LastIndex(name, "]"); i >= 0 && j > i {
		return name[i+1 : j]
	}
	return name
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
