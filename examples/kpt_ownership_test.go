package examples_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// ourLabels are the two common labels of generated objects. Before the generated-by marker,
// an item carrying both was taken for earlier output and dropped: kpt then deleted its file.
const ourLabels = "  labels:\n    " + meta.LabelManagedBy + ": " + meta.ManagedBy + "\n    " + meta.LabelPartOf + ": graid\n"

// TestKptOwnership renders, with the real kpt, a package whose config and one user object carry
// our labels, then renames the config: the config file and the user's file survive every render,
// the rename leaves no object twice and no file of the old name, and a second render of each
// state changes nothing.
func TestKptOwnership(t *testing.T) {
	kpt, env := kptBin(t), []string{"PATH=" + toolPath(t)}
	work := t.TempDir()
	pkg := filepath.Join(work, "kpt")
	copyDir(t, filepath.Join(repoRoot(t), "examples", "kpt"), pkg)

	cfgFile := filepath.Join(pkg, "supremeraid.yaml")
	cfg, err := os.ReadFile(cfgFile)
	require.NoError(t, err)
	labelled := strings.Replace(string(cfg), "metadata:\n", "metadata:\n"+ourLabels, 1)
	require.NotEqual(t, string(cfg), labelled)
	require.NoError(t, os.WriteFile(cfgFile, []byte(labelled), 0o644))
	user := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: team-notes\n  namespace: supremeraid\n" + ourLabels + "data:\n  owner: storage-team\n"
	require.NoError(t, os.WriteFile(filepath.Join(pkg, "team-notes.yaml"), []byte(user), 0o644))

	render := func(what string) map[string]string {
		t.Helper()
		mustRun(t, work, env, kpt, "fn", "render", "--allow-exec", "kpt")
		tree := readTree(t, pkg)
		for _, f := range []string{"supremeraid.yaml", "team-notes.yaml"} {
			_, ok := tree[f]
			require.True(t, ok, "%s: kpt deleted %s", what, f)
		}
		assert.Equal(t, labelled[:strings.Index(labelled, "spec:")], tree["supremeraid.yaml"][:strings.Index(tree["supremeraid.yaml"], "spec:")], "%s: the config's metadata changed", what)
		assert.Equal(t, user, tree["team-notes.yaml"], "%s: the user's file changed or went", what)
		assertNoDuplicates(t, what, tree)
		again := func() {
			mustRun(t, work, env, kpt, "fn", "render", "--allow-exec", "kpt")
			if diff := cmp.Diff(tree, readTree(t, pkg)); diff != "" {
				t.Errorf("%s: a second kpt fn render changed the package (-first +second):\n%s", what, diff)
			}
		}
		again()
		return tree
	}

	first := render("config carrying our labels")
	assert.Contains(t, first, "generated/graid/base.yaml")

	renamed := strings.Replace(labelled, "name: graid\n", "name: lab\n", 1)
	require.NotEqual(t, labelled, renamed)
	require.NoError(t, os.WriteFile(cfgFile, []byte(renamed), 0o644))
	labelled = renamed
	second := render("renamed config")
	assert.Contains(t, second, "generated/lab/base.yaml")
	for name := range second {
		assert.False(t, strings.HasPrefix(name, "generated/graid/"), "the old name's output %s is still in the package", name)
	}
}

// assertNoDuplicates fails when two documents of a package are the same object.
func assertNoDuplicates(t *testing.T, what string, tree map[string]string) {
	t.Helper()
	seen := map[string]string{}
	for name, data := range tree {
		if !strings.HasSuffix(name, ".yaml") || name == "Kptfile" {
			continue
		}
		for _, d := range splitDocs([]byte(data)) {
			o, err := fn.ParseKubeObject([]byte(d))
			require.NoError(t, err, "%s: %s", what, name)
			id := objectID(o)
			if prev, dup := seen[id]; dup {
				t.Errorf("%s: %s is in %s and %s", what, id, prev, name)
			}
			seen[id] = name
		}
	}
}
