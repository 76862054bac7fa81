package agent_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/fn/agent"
	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
	"supremeraid.dev/supremeraid-fn/fn/agent/nodemetrics"
)

// scrape returns the /metrics body the agent's HTTP handler serves.
func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// TestMetricsServerRegistered: importing nodemetrics gives Main its /metrics.
func TestMetricsServerRegistered(t *testing.T) {
	require.NotNil(t, agent.NewMetricsServer)
	_, ok := agent.NewMetricsServer(agent.Deps{}, "").(*nodemetrics.Server)
	assert.True(t, ok)
}

// TestMetricsServer runs real agent passes against the simulator and reads /metrics through the
// same handler and sink Main wires up: a ready node, then a failed drive.
func TestMetricsServer(t *testing.T) {
	e := agent.NewTestEnv(t, nil, agent.AllNVMe...)
	l := agent.SimLayout(t, e.KeyFile())
	m := agent.NewMetricsServer(e.Deps(), "") // no nvme-cli here: NVMe health is covered in fn/agent/metrics
	ready := &agent.ReadyHandler{}
	h := agent.WithMetrics(ready, m)
	publish := func(st agent.Status) {
		t.Helper()
		require.NoError(t, ready.Set(st))
		require.NoError(t, m.Set(st))
	}

	st := e.Run(l)
	require.True(t, st.Ready, "%q", st.Reasons)
	publish(st)
	body := scrape(t, h)
	for _, want := range []string{
		"supremeraid_agent_ready 1",
		"supremeraid_graidctl_up 1",
		"supremeraid_license_active 1",
		`supremeraid_drive_group_state{dg="0",state="optimal"} 1`,
		`supremeraid_physical_drive_state{dg="0",pd="3",state="online",wwid="eui.nvme3n1"} 1`,
		`supremeraid_virtual_drive_mounted{dg="0",vd="0"} 1`,
		`supremeraid_virtual_drive_mounted{dg="0",vd="1"} 1`,
		`supremeraid_agent_refusals{reason="drive_has_data"} 0`,
	} {
		assert.Contains(t, body, want)
	}
	assert.NotContains(t, body, "supremeraid_nvme_", "without nvme-cli no health series")
	assert.NotContains(t, body, "go_goroutines", "the exporter's own registry only")

	// The probes still answer next to /metrics.
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	assert.Equal(t, http.StatusOK, rec.Code)

	// A drive fails: graidctl shows it at the next refresh.
	sim := e.State()
	sim.FailDrive(1)
	require.NoError(t, sim.Save(e.StatePath()))
	publish(e.Run(l))
	body = scrape(t, h)
	assert.Contains(t, body, `supremeraid_physical_drive_state{dg="0",pd="1",state="failed",wwid="eui.nvme1n1"} 1`)
	assert.Contains(t, body, `supremeraid_drive_group_state{dg="0",state="degraded"} 1`)
}

// TestMetricsServerRefusal: a refused pass shows up by reason, with nothing created.
func TestMetricsServerRefusal(t *testing.T) {
	e := agent.NewTestEnv(t, &graidctlsim.State{Licensed: true}, agent.AllNVMe...)
	agent.WriteMBR(t, filepath.Join(e.NodeRoot(), "dev/nvme2n1"))
	l := agent.SimLayout(t, e.KeyFile())
	m := agent.NewMetricsServer(e.Deps(), "")
	st := e.Run(l)
	require.True(t, st.Refused)
	require.NoError(t, m.Set(st))
	body := scrape(t, agent.WithMetrics(&agent.ReadyHandler{}, m))
	assert.Contains(t, body, `supremeraid_agent_refusals{reason="drive_has_data"} 1`)
	assert.Contains(t, body, `supremeraid_agent_passes_total{result="refused"} 1`)
	assert.Contains(t, body, "supremeraid_agent_ready 0")
}
