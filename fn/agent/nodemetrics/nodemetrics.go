// Package nodemetrics connects the node agent to its Prometheus exporter (fn/agent/metrics):
// the same graidctl, /dev root and mount table the reconcile pass uses, a refresh after every
// pass, and /metrics. Importing it registers the server with the agent (fn/main.go does);
// fn/agent itself stays free of the Prometheus client.
package nodemetrics

import (
	"context"
	"net/http"
	"os/exec"
	"time"

	"supremeraid.dev/supremeraid-fn/fn/agent"
	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
	"supremeraid.dev/supremeraid-fn/fn/agent/metrics"
)

func init() {
	agent.NewMetricsServer = func(d agent.Deps, nvmePath string) agent.MetricsServer { return New(d, nvmePath) }
}

// RefreshTimeout bounds one snapshot (four graidctl listings and one nvme smart-log per
// physical drive), so a hung command cannot stall the reconcile loop for long.
const RefreshTimeout = 20 * time.Second

// Server records passes and serves the snapshot.
type Server struct {
	Exporter *metrics.Exporter
}

// New builds the server from the agent's side effects. Without nvme-cli (nvmePath not found)
// the drives' health is left out, said once in the log rather than as an error on every pass.
func New(d agent.Deps, nvmePath string) *Server {
	if nvmePath != "" {
		p, err := exec.LookPath(nvmePath)
		if err != nil && d.Log != nil {
			d.Log.Warn("no NVMe health in /metrics: nvme-cli not found", "nvme", nvmePath, "err", err)
		}
		nvmePath = p
	}
	var runner graidctl.Runner = graidctl.ExecRunner{}
	path := "graidctl"
	if d.Graidctl != nil {
		runner, path = d.Graidctl.Runner, d.Graidctl.Path
	}
	mountInfo := d.MountInfo
	if mountInfo == "" {
		mountInfo = "/proc/self/mountinfo"
	}
	return &Server{Exporter: metrics.New(metrics.Sources{
		Runner:       runner,
		GraidctlPath: path,
		NVMePath:     nvmePath,
		DevRoot:      d.DevRoot,
		Mounts: func() ([]metrics.Mount, error) {
			entries, err := agent.ReadMountInfo(mountInfo)
			out := make([]metrics.Mount, 0, len(entries))
			for _, e := range entries {
				out = append(out, metrics.Mount{Source: e.Source, MountPoint: e.MountPoint})
			}
			return out, err
		},
	}, nil)}
}

// Set implements agent.ReadySink: record the pass, then refresh the snapshot.
func (s *Server) Set(st agent.Status) error {
	s.Exporter.ObservePass(metrics.Pass{Ready: st.Ready, Refused: st.Refused, Reasons: st.Reasons})
	ctx, cancel := context.WithTimeout(context.Background(), RefreshTimeout)
	defer cancel()
	_ = s.Exporter.Refresh(ctx) // counted in supremeraid_exporter_errors_total and graidctl_up
	return nil
}

// ServeHTTP serves /metrics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.Exporter.Handler().ServeHTTP(w, r)
}
