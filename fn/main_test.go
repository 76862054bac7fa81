package main

import (
	"testing"

	"supremeraid.dev/supremeraid-fn/fn/agent"
)

// TestNodeMetricsRegistered: the command's node agent serves /metrics (fn/agent/nodemetrics
// registers itself through the blank import in main.go).
func TestNodeMetricsRegistered(t *testing.T) {
	if agent.NewMetricsServer == nil {
		t.Fatal("fn/agent/nodemetrics is not linked into the command: the node agent would serve no /metrics")
	}
}
