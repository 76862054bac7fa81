package graidctlsim

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFaults: injected faults show in `ls pd|dg|vd --format json` and Heal clears them.
func TestFaults(t *testing.T) {
	root := t.TempDir()
	statePath := filepath.Join(t.TempDir(), "state.json")
	run := func(args ...string) []byte {
		t.Helper()
		var out, errOut bytes.Buffer
		require.Zero(t, Run(args, statePath, root, &out, &errOut), errOut.String())
		return out.Bytes()
	}
	for _, n := range []string{"nvme0n1", "nvme1n1", "nvme2n1"} {
		require.NoError(t, AddNVMe(root, n, "eui."+n, 64<<20))
	}
	run("apply", "license", "K")
	run("create", "pd", "/dev/nvme0-2")
	run("create", "dg", "raid5", "0-2")
	run("create", "vd", "0")
	states := func(kind string) []string {
		var res struct{ Result []map[string]any }
		require.NoError(t, json.Unmarshal(run("ls", kind, "--format", "json"), &res))
		var out []string
		for _, r := range res.Result {
			s := r["State"].(string)
			if p, ok := r["Progress"]; ok {
				s += "@" + string(mustJSON(t, p))
			}
			out = append(out, s)
		}
		return out
	}
	fault := func(f func(*State)) {
		st, err := LoadState(statePath)
		require.NoError(t, err)
		f(st)
		require.NoError(t, st.Save(statePath))
	}
	assert.Equal(t, []string{"ONLINE", "ONLINE", "ONLINE"}, states("pd"))
	// A new group initialises for two listings first (create.go), then is OPTIMAL.
	assert.Equal(t, []string{"INIT"}, states("dg"))
	assert.Equal(t, []string{"INIT"}, states("dg"))
	assert.Equal(t, []string{"OPTIMAL"}, states("dg"))

	fault(func(s *State) { s.FailDrive(1) })
	assert.Equal(t, []string{"ONLINE", "FAILED", "ONLINE"}, states("pd"))
	assert.Equal(t, []string{"DEGRADED"}, states("dg"))
	assert.Equal(t, []string{"DEGRADED"}, states("vd"))

	fault(func(s *State) { s.StartRebuild(1, 42) })
	assert.Equal(t, []string{"ONLINE", "REBUILD", "ONLINE"}, states("pd"))
	assert.Equal(t, []string{"RECOVERY@42"}, states("dg"))

	fault(func(s *State) { s.RemoveDrive(2) })
	assert.Equal(t, "MISSING", states("pd")[2])

	fault(func(s *State) { s.Heal() })
	assert.Equal(t, []string{"ONLINE", "ONLINE", "ONLINE"}, states("pd"))
	assert.Equal(t, []string{"OPTIMAL"}, states("dg"))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return b
}
