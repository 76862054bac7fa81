package testtool

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestFindPrefersEnv(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "sometool")
	assert.NoError(t, os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755))
	t.Setenv("SOMETOOL", tool)
	assert.Equal(t, tool, Find(t, "sometool", "SOMETOOL", "make tools"))
}

func TestFindFallsBackToPath(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "testtool-only-on-path")
	assert.NoError(t, os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755))
	t.Setenv("PATH", dir)
	t.Setenv("SOMETOOL", filepath.Join(dir, "not-there"))
	assert.Equal(t, tool, Find(t, "testtool-only-on-path", "SOMETOOL", "make tools"))
}

// recorder captures what Missing does instead of ending the test.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper()                           {}
func (r *recorder) Skipf(format string, args ...any)  { r.skipped = format }
func (r *recorder) Fatalf(format string, args ...any) { r.failed = format }

func TestMissingSkipsOrFails(t *testing.T) {
	cases := map[string]struct {
		reason, env        string
		wantSkip, wantFail bool
	}{
		"skip":     {reason: "go test ./... on a machine without the tool says why and goes on", env: "", wantSkip: true},
		"required": {reason: "make test sets the variable: a missing tool is a failure", env: "1", wantFail: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Setenv(RequireEnv, tc.env)
			r := &recorder{TB: t}
			Missing(r, "%s not found", "x")
			assert.Equal(t, tc.wantSkip, r.skipped != "", tc.reason)
			assert.Equal(t, tc.wantFail, r.failed != "", tc.reason)
		})
	}
}
