package config

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLazyPatternsCompile: patterns compile on first use, so a broken one would only panic
// when a config reaches it; compile every one here.
func TestLazyPatternsCompile(t *testing.T) {
	require.NotEmpty(t, lazyPatterns)
	for _, p := range lazyPatterns {
		_, err := regexp.Compile(p)
		assert.NoError(t, err, p)
	}
}
