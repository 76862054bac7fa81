package metrics

import (
	"os"
	"regexp"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
)

// TestDocsListEveryMetric: docs/monitoring.md's metrics table lists exactly the metrics a full
// scrape exports (with a rebuild in progress so the progress series exists).
func TestDocsListEveryMetric(t *testing.T) {
	n := newNode(t)
	n.fault(func(st *graidctlsim.State) { st.StartRebuild(1, 50) })
	n.refresh()
	n.exp.ObservePass(Pass{Ready: true})
	mfs, err := n.exp.Registry().Gather()
	require.NoError(t, err)
	var exported []string
	for _, mf := range mfs {
		exported = append(exported, mf.GetName())
	}
	b, err := os.ReadFile("../../../docs/monitoring.md")
	require.NoError(t, err)
	var documented []string
	for _, m := range regexp.MustCompile("(?m)^\\| `(supremeraid_[a-z_]+)` \\|").FindAllStringSubmatch(string(b), -1) {
		documented = append(documented, m[1])
	}
	sort.Strings(exported)
	sort.Strings(documented)
	assert.Equal(t, exported, documented)
}
