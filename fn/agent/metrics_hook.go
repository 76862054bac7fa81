package agent

import (
	"context"
	"net/http"
	"os/exec"
	"time"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
	"supremeraid.dev/supremeraid-fn/fn/agent/metrics"
)

// refreshTimeout bounds one metrics snapshot (four graidctl listings and one nvme smart-log per
// physical drive), so a hung command cannot stall the reconcile loop for long.
const refreshTimeout = 20 * time.Second

// newExporter builds the /metrics exporter from the agent's own side effects: the same
// graidctl, /dev root and mount table the reconcile pass uses.
func newExporter(d Deps, nvmePath string) *metrics.Exporter {
	d = d.withDefaults()
	if nvmePath != "" {
		// The node image may lack nvme-cli: then the drives' health is left out, said once here
		// rather than as an error on every pass.
		p, err := exec.LookPath(nvmePath)
		if err != nil {
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
	return metrics.New(metrics.Sources{
		Runner:       runner,
		GraidctlPath: path,
		NVMePath:     nvmePath,
		DevRoot:      d.DevRoot,
		Mounts: func() ([]metrics.Mount, error) {
			entries, err := ReadMountInfo(mountInfo)
			out := make([]metrics.Mount, 0, len(entries))
			for _, e := range entries {
				out = append(out, metrics.Mount{Source: e.Source, MountPoint: e.MountPoint})
			}
			return out, err
		},
	}, nil)
}

// metricsSink records each pass and refreshes the snapshot right after it.
type metricsSink struct{ e *metrics.Exporter }

// Set implements ReadySink.
func (m metricsSink) Set(s Status) error {
	m.e.ObservePass(metrics.Pass{Ready: s.Ready, Refused: s.Refused, Reasons: s.Reasons})
	ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
	defer cancel()
	_ = m.e.Refresh(ctx) // counted in supremeraid_exporter_errors_total and graidctl_up
	return nil
}

// withMetrics serves /metrics from the exporter and everything else from next.
func withMetrics(next http.Handler, e *metrics.Exporter) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", e.Handler())
	mux.Handle("/", next)
	return mux
}
