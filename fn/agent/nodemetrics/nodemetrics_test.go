package nodemetrics

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPrometheusClientStaysOutOfTheFunction: the KRM function (fn/krm, and the generators that
// import fn/agent for the layout) must not link the Prometheus client; only this package and
// fn/agent/metrics, which the command imports for the node agent, may.
func TestPrometheusClientStaysOutOfTheFunction(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not in PATH")
	}
	for _, pkg := range []string{"supremeraid.dev/supremeraid-fn/fn/krm", "supremeraid.dev/supremeraid-fn/fn/agent", "supremeraid.dev/supremeraid-fn/generators"} {
		out, err := exec.Command(goBin, "list", "-deps", pkg).CombinedOutput()
		require.NoError(t, err, string(out))
		for _, dep := range strings.Fields(string(out)) {
			assert.False(t, strings.HasPrefix(dep, "github.com/prometheus/"), "%s depends on %s", pkg, dep)
		}
	}
	out, err := exec.Command(goBin, "list", "-deps", "supremeraid.dev/supremeraid-fn/fn/agent/nodemetrics").CombinedOutput()
	require.NoError(t, err, string(out))
	assert.Contains(t, string(out), "github.com/prometheus/client_golang/prometheus\n", "the check above looks for the right path")
}
