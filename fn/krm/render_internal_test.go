package krm

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDirectDocumentsAreFinal: function mode writes final documents (those generators.FastYAML
// wrote) without the SDK's parse and re-encode, so each must be exactly what the SDK would
// write for it, and mapKey must name the object as objectKey does for the parsed one.
func TestDirectDocumentsAreFinal(t *testing.T) {
	configs, err := filepath.Glob("testdata/success/*/config.yaml")
	require.NoError(t, err)
	configs = append(configs, "../../examples/kustomize/supremeraid.yaml")
	finals := 0
	for _, c := range configs {
		data, err := os.ReadFile(c)
		require.NoError(t, err)
		r, problems, err := render(data)
		require.NoError(t, err, c)
		require.Empty(t, problems, c)
		for i, d := range r.docs {
			o, err := fn.ParseKubeObject(d)
			require.NoError(t, err, c)
			assert.Equal(t, objectKey(o), r.keys[i], c)
			if r.final[i] {
				finals++
				assert.Equal(t, o.String(), string(d), "%s: %s", c, r.keys[i])
			}
		}
	}
	assert.Positive(t, finals, "no final documents: the direct path is never taken")
}
