package krm

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/generators"
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
		r, problems, err := render(data, true)
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

// TestSDKDocumentMatchesParse: generators.SDKDocument, which function mode uses for objects
// that ToYAML leaves to the library, writes what the SDK writes after parsing ToYAML's document.
func TestSDKDocumentMatchesParse(t *testing.T) {
	configs, err := filepath.Glob("testdata/success/*/config.yaml")
	require.NoError(t, err)
	configs = append(configs, "../../examples/kustomize/supremeraid.yaml")
	built, total := 0, 0
	for _, c := range configs {
		data, err := os.ReadFile(c)
		require.NoError(t, err)
		cfg, problems := Load(data)
		require.Empty(t, problems, c)
		out, err := generators.Generate(cfg)
		require.NoError(t, err, c)
		for _, m := range out.Objects {
			y, err := generators.ToYAML(m)
			require.NoError(t, err)
			o, err := fn.ParseKubeObject(y)
			require.NoError(t, err)
			total++
			if got, ok := generators.SDKDocument(m); ok {
				built++
				assert.Equal(t, o.String(), string(got), "%s: %s", c, mapKey(m))
			}
		}
	}
	t.Logf("%d of %d objects built directly", built, total)
	assert.GreaterOrEqual(t, built*10, total*9, "nearly every object of the test configs has a direct SDK form")
}
