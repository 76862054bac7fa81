package config

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestREADMEShowsExample keeps the README's config the example the tests render. (The field
// reference is generated: generators/config/internal/reference.)
func TestREADMEShowsExample(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	example, err := os.ReadFile("../../examples/kustomize/supremeraid.yaml")
	require.NoError(t, err)
	assert.Contains(t, string(readme), "```yaml\n"+string(example)+"```\n",
		"README does not show examples/kustomize/supremeraid.yaml as it is")
}
