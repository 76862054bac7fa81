package crdcheck

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

// checksumRow matches a PROVENANCE.md table row: | file.yaml | ... | sha256 |
var checksumRow = regexp.MustCompile(`(?m)^\| ([^ |]+\.yaml) \|.*\| ([0-9a-f]{64}) \|$`)

// TestCRDFilesMatchProvenance keeps PROVENANCE.md true: every CRD here is listed with its
// source, version and sha256, is byte for byte what was copied, and every row has its file.
func TestCRDFilesMatchProvenance(t *testing.T) {
	prov, err := os.ReadFile(filepath.Join("testdata", "crds", "PROVENANCE.md"))
	require.NoError(t, err)
	listed := map[string]string{}
	for _, m := range checksumRow.FindAllStringSubmatch(string(prov), -1) {
		listed[m[1]] = m[2]
	}
	files, err := filepath.Glob(filepath.Join("testdata", "crds", "*.yaml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		name := filepath.Base(f)
		want, ok := listed[name]
		if !assert.True(t, ok, "%s is not in PROVENANCE.md with its source, version and sha256", name) {
			continue
		}
		delete(listed, name)
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		assert.Equal(t, want, hex.EncodeToString(sum[:]), "%s: the file must stay as copied (update the row if you re-copied it)", name)
	}
	assert.Empty(t, listed, "PROVENANCE.md lists files that are not here")
}
