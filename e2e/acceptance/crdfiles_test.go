package acceptance

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// upstreamRow matches a PROVENANCE.md table row: | file.yaml | ... | sha256 |
var upstreamRow = regexp.MustCompile(`(?m)^\| ([^ |]+\.yaml) \|.*\| ([0-9a-f]{64}) \|$`)

// TestCRDFilesMatchProvenance keeps the claim in PROVENANCE.md true: every
// upstream CRD is listed with the sha256 of the file as copied, unchanged,
// and every hand-written one is listed too.
func TestCRDFilesMatchProvenance(t *testing.T) {
	prov, err := os.ReadFile("../testdata/crds/PROVENANCE.md")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, m := range upstreamRow.FindAllStringSubmatch(string(prov), -1) {
		listed[m[1]] = m[2]
	}
	files, err := filepath.Glob("../testdata/crds/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no CRD files in ../testdata/crds")
	}
	for _, f := range files {
		name := filepath.Base(f)
		want, ok := listed[name]
		if !ok {
			t.Errorf("%s is not in PROVENANCE.md's upstream table (file, project, path, version, sha256)", name)
			continue
		}
		delete(listed, name)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, PROVENANCE.md says %s: upstream copies must stay unchanged (update the version row if you re-copied it)", name, got, want)
		}
	}
	for name := range listed {
		t.Errorf("PROVENANCE.md lists %s, which is not in ../testdata/crds", name)
	}
	minimal, err := filepath.Glob("../testdata/crds/minimal/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range minimal {
		if !strings.Contains(string(prov), "minimal/"+filepath.Base(f)) {
			t.Errorf("%s is not described in PROVENANCE.md's minimal table", f)
		}
	}
}

// TestCRDFilesAreCRDs decodes every CRD file without a server.
func TestCRDFilesAreCRDs(t *testing.T) {
	objs, err := loadCRDs()
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) < 9 {
		t.Errorf("loaded %d CRDs, want at least 9 (KMM Module, ClusterPolicy, 3 NFD, MachineConfig, MachineConfigPool, SCC, Application)", len(objs))
	}
}
