package nodelayout

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStdlibOnly keeps the contract importable by the agent and the generators alike: standard
// library only (a dot in the first path element means a module), and generators/node must not
// import the agent.
func TestStdlibOnly(t *testing.T) {
	check := func(dir string, allowed func(string) bool) {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		require.NoError(t, err)
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			parsed, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
			require.NoError(t, err)
			for _, imp := range parsed.Imports {
				p, _ := strconv.Unquote(imp.Path.Value)
				assert.True(t, allowed(p), "%s imports %s", f, p)
			}
		}
	}
	check(".", func(p string) bool { return !strings.Contains(strings.Split(p, "/")[0], ".") })
	check("../node", func(p string) bool { return !strings.HasPrefix(p, "supremeraid.dev/supremeraid-fn/fn/") })
}
