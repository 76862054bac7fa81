package generators

import (
	"go/build"
	"path"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFamiliesAreLeaves keeps every family a leaf: its code imports config, meta and what it owns
// (kmod, nodelayout), never another family, so a family can be read, changed and removed on
// its own. A contract two families share (a label, a selector, a name) belongs in meta.
func TestFamiliesAreLeaves(t *testing.T) {
	const module = "supremeraid.dev/supremeraid-fn/"
	families := map[string]bool{}
	for _, f := range Families() {
		families[module+"generators/"+f.Name] = true
	}
	require.Len(t, families, len(Families()), "family names must be unique")
	for _, f := range append(Families(), Family{Name: "meta"}) {
		t.Run(f.Name, func(t *testing.T) {
			pkg, err := build.ImportDir(f.Name, 0)
			require.NoError(t, err, "family %s has no package in generators/%s", f.Name, f.Name)
			for _, imp := range pkg.Imports {
				if !strings.HasPrefix(imp, module) {
					continue
				}
				assert.False(t, families[imp] || imp == strings.TrimSuffix(module, "/")+"/generators",
					"generators/%s imports %s: shared contracts go in generators/meta", f.Name, path.Base(imp))
			}
		})
	}
}
