package agent

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
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

// TestMetricsHook runs real agent passes against the simulator and reads /metrics through the
// same handler and sink Main wires up: a ready node, then a refusal, then a failed drive.
func TestMetricsHook(t *testing.T) {
	e := newEnv(t, nil, allNVMe...)
	l := simLayout(t, e.keyFile)
	d := e.deps()
	exp := newExporter(d, "") // no nvme-cli here: NVMe health is covered in fn/agent/metrics
	ready := &ReadyHandler{}
	sinks := multiSink{ready, metricsSink{exp}}
	h := withMetrics(ready, exp)

	st, _ := e.run(l)
	require.True(t, st.Ready, "%q", st.Reasons)
	require.NoError(t, sinks.Set(st))
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
	st2 := e.state()
	st2.FailDrive(1)
	require.NoError(t, st2.Save(e.statePath))
	st, _ = e.run(l)
	require.NoError(t, sinks.Set(st))
	body = scrape(t, h)
	assert.Contains(t, body, `supremeraid_physical_drive_state{dg="0",pd="1",state="failed",wwid="eui.nvme1n1"} 1`)
	assert.Contains(t, body, `supremeraid_drive_group_state{dg="0",state="degraded"} 1`)
}

// TestMetricsHookRefusal: a refused pass shows up by reason, with nothing created.
func TestMetricsHookRefusal(t *testing.T) {
	e := newEnv(t, &graidctlsim.State{Licensed: true}, allNVMe...)
	writeMBR(t, filepath.Join(e.nodeRoot, "dev/nvme2n1"))
	l := simLayout(t, e.keyFile)
	exp := newExporter(e.deps(), "")
	st, _ := e.run(l)
	require.True(t, st.Refused)
	require.NoError(t, metricsSink{exp}.Set(st))
	body := scrape(t, withMetrics(&ReadyHandler{}, exp))
	assert.Contains(t, body, `supremeraid_agent_refusals{reason="drive_has_data"} 1`)
	assert.Contains(t, body, `supremeraid_agent_passes_total{result="refused"} 1`)
	assert.Contains(t, body, "supremeraid_agent_ready 0")
}
