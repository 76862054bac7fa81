package agent

import "net/http"

// MetricsServer is the agent's /metrics: a ReadySink that records each pass and refreshes the
// snapshot, and the handler that serves it. fn/agent/nodemetrics implements it with the
// Prometheus client and registers itself in NewMetricsServer from the command (fn/main.go), so
// this package, which the generators import, keeps the Prometheus client out of the KRM
// function's import graph.
type MetricsServer interface {
	ReadySink
	http.Handler
}

// NewMetricsServer builds the metrics server for Main; nil serves no /metrics.
var NewMetricsServer func(d Deps, nvmePath string) MetricsServer

// withMetrics serves /metrics from m and everything else from next.
func withMetrics(next http.Handler, m MetricsServer) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", m)
	mux.Handle("/", next)
	return mux
}
