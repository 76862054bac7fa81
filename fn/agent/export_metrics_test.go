package agent

import (
	"net/http"
	"testing"

	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
)

// Test-only exports for metricsserver_test.go (package agent_test), which imports
// fn/agent/nodemetrics; that package imports this one, so the test cannot live in it.

type TestEnv struct{ e *env }

func NewTestEnv(t *testing.T, st *graidctlsim.State, nvme ...string) TestEnv {
	return TestEnv{newEnv(t, st, nvme...)}
}

func (te TestEnv) Deps() Deps                { return te.e.deps() }
func (te TestEnv) Run(l *Layout) Status      { st, _ := te.e.run(l); return st }
func (te TestEnv) KeyFile() string           { return te.e.keyFile }
func (te TestEnv) NodeRoot() string          { return te.e.nodeRoot }
func (te TestEnv) StatePath() string         { return te.e.statePath }
func (te TestEnv) State() *graidctlsim.State { return te.e.state() }

func SimLayout(t *testing.T, keyFile string) *Layout { return simLayout(t, keyFile) }
func WriteMBR(t *testing.T, path string)             { writeMBR(t, path) }

var AllNVMe = allNVMe

// WithMetrics is the handler Main serves with a metrics server.
func WithMetrics(next http.Handler, m MetricsServer) http.Handler { return withMetrics(next, m) }
