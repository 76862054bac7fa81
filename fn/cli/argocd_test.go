package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestArgoCDGenerateDirectory: a directory holding only a config renders exactly as render
// FILE does, less the local-config objects (kustomize drops them too); anything else without a kustomization is refused with what to do, and nothing is
// printed.
func TestArgoCDGenerateDirectory(t *testing.T) {
	config := mustRead(t, minimal)
	_, rendered, _ := run(t, "", "render", minimal)
	var kept []string
	for _, d := range strings.Split(rendered, "---\n") {
		if !strings.Contains(d, "config.kubernetes.io/local-config: \"true\"") {
			kept = append(kept, d)
		}
	}
	require.Len(t, kept, strings.Count(rendered, "---\n"), "the minimal config generates one local-config object")
	want := strings.Join(kept, "---\n")
	cases := []struct {
		reason   string
		files    map[string]string
		wantCode int
		wantOut  string
		wantErr  string
	}{
		{reason: "only the config: rendered directly", files: map[string]string{"supremeraid.yaml": config}, wantOut: want},
		{reason: "a README beside the config does not count", files: map[string]string{"supremeraid.yaml": config, "README.md": "x"}, wantOut: want},
		{reason: "nothing to render", files: map[string]string{}, wantCode: 1, wantErr: "no kustomization and no YAML file"},
		{reason: "two YAML files and no kustomization: which one is the config is not guessed", files: map[string]string{"a.yaml": config, "b.yml": config},
			wantCode: 1, wantErr: "2 YAML files (a.yaml, b.yml)"},
		{reason: "an invalid config: problems on stderr, nothing on stdout", files: map[string]string{"c.yaml": mustRead(t, threeMistakes)}, wantCode: 1, wantErr: "3 problem(s); nothing generated"},
	}
	for _, tc := range cases {
		dir := t.TempDir()
		for name, content := range tc.files {
			require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
		}
		code, out, errOut := run(t, "", "argocd-generate", dir)
		assert.Equal(t, tc.wantCode, code, tc.reason)
		assert.Equal(t, tc.wantOut, out, tc.reason)
		assert.Contains(t, errOut, tc.wantErr, tc.reason)
	}
}

// TestArgoCDGenerateKustomization: with a kustomization the command is kustomize's; without
// kustomize on PATH that is an error naming it, not a silent render of some file.
func TestArgoCDGenerateKustomization(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte("resources: []\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "supremeraid.yaml"), []byte(mustRead(t, minimal)), 0o644))
	t.Setenv("PATH", t.TempDir())
	code, out, errOut := run(t, "", "argocd-generate", dir)
	assert.Equal(t, 1, code)
	assert.Empty(t, out)
	assert.Contains(t, errOut, "running kustomize")
}
