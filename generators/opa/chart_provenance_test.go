package opa

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestChartCopyMatchesProvenance keeps the chart copy as it was copied: every file under
// testdata/chart has its sha256 in PROVENANCE.md, and every listed file is there.
func TestChartCopyMatchesProvenance(t *testing.T) {
	const dir = "testdata/chart"
	prov, err := os.ReadFile(filepath.Join(dir, "PROVENANCE.md"))
	require.NoError(t, err)
	listed := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^([0-9a-f]{64})  (\S+)$`).FindAllStringSubmatch(string(prov), -1) {
		listed[m[2]] = m[1]
	}
	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != "PROVENANCE.md" {
			files = append(files, p)
		}
		return err
	}))
	require.NotEmpty(t, files)
	for _, f := range files {
		name, err := filepath.Rel(dir, f)
		require.NoError(t, err)
		want, ok := listed[filepath.ToSlash(name)]
		if !assert.True(t, ok, "%s has no sha256 in PROVENANCE.md", name) {
			continue
		}
		delete(listed, filepath.ToSlash(name))
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		assert.Equal(t, want, hex.EncodeToString(sum[:]), "%s: keep the chart's file unchanged (or re-copy it and update its line)", name)
	}
	assert.Empty(t, listed, "PROVENANCE.md lists files that are not in %s", dir)
}
