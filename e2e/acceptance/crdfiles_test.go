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

// checksumRow matches a PROVENANCE.md table row: | [dir/]file.yaml | ... | sha256 |
var checksumRow = regexp.MustCompile(`(?m)^\| ([^ |]+\.yaml) \|.*\| ([0-9a-f]{64}) \|$`)

// TestCRDFilesMatchProvenance keeps the claims in PROVENANCE.md true: every
// generated CRD is listed with its sha256 and every hand-written one is
// described. (The upstream copies are checked where they live, in the product
// module's generators/internal/crdcheck.)
func TestCRDFilesMatchProvenance(t *testing.T) {
	prov, err := os.ReadFile("../testdata/crds/PROVENANCE.md")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]string{}
	for _, m := range checksumRow.FindAllStringSubmatch(string(prov), -1) {
		listed[m[1]] = m[2]
	}
	generated, err := filepath.Glob("../testdata/crds/generated/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(generated) == 0 {
		t.Fatal("no CRD files in ../testdata/crds/generated")
	}
	for _, f := range generated {
		name, err := filepath.Rel("../testdata/crds", f)
		if err != nil {
			t.Fatal(err)
		}
		name = filepath.ToSlash(name)
		want, ok := listed[name]
		if !ok {
			t.Errorf("%s is not in a PROVENANCE.md table with its source, version and sha256", name)
			continue
		}
		delete(listed, name)
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != want {
			t.Errorf("%s: sha256 %s, PROVENANCE.md says %s: the files must stay as copied or generated (update the row if you re-copied or regenerated it)", name, got, want)
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
	if len(objs) < 11 {
		t.Errorf("loaded %d CRDs, want at least 11 (KMM Module, ClusterPolicy, 3 NFD, MachineConfig, MachineConfigPool, KubeletConfig, SCC, ImageStream, BuildConfig, Application)", len(objs))
	}
}
