package krm_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/fn/krm"
	"supremeraid.dev/supremeraid-fn/generators"
)

// TestFastYAMLMatchesLibrary: the direct serialisation (generators.FastYAML) writes every object
// of every test config byte for byte as JSON + sigs.k8s.io/yaml would, and it takes the objects
// that make a large config large (so the speed-up cannot silently vanish into the fallback).
func TestFastYAMLMatchesLibrary(t *testing.T) {
	configs, err := filepath.Glob("testdata/success/*/config.yaml")
	require.NoError(t, err)
	configs = append(configs, examplePath)
	inputs := map[string][]byte{"large": largeConfig(), "vds=8184": scaledConfig(largeGroups, largeGroups*1023, 0)}
	for _, c := range configs {
		data, err := os.ReadFile(c)
		require.NoError(t, err)
		inputs[c] = data
	}
	for name, data := range inputs {
		cfg, problems := krm.Load(data)
		require.Empty(t, problems, name)
		out, err := generators.Generate(cfg)
		require.NoError(t, err, name)
		fast := 0
		for _, m := range out.Objects {
			j, err := json.Marshal(m)
			require.NoError(t, err)
			want, err := yaml.JSONToYAML(j)
			require.NoError(t, err)
			got, ok := generators.FastYAML(m)
			if ok {
				fast++
				assert.Equal(t, string(want), string(got), "%s: %v %v", name, m["kind"], m["metadata"])
			}
		}
		t.Logf("%s: %d of %d objects on the direct path", name, fast, len(out.Objects))
		if name == "large" {
			assert.GreaterOrEqual(t, fast*100, 99*len(out.Objects), "the direct path must take nearly every object of the large config")
		}
	}
}
