package krm_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFunctionImportGraph keeps what function mode links from growing back: every package in
// fn/krm's import graph is initialised on every kustomize build, kpt render and Argo CD refresh.
// The node agent and its metrics stack (Prometheus client, procfs) belong to `supremeraid-fn
// node` only; the Kubernetes client, gRPC and command-line frameworks have no business in a
// function at all. The count bounds the rest: what is there today (the kpt SDK, kyaml and the
// API types the generators write) plus a little room; a new heavy dependency exceeds it.
func TestFunctionImportGraph(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command")
	}
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	require.NoError(t, err)
	deps := strings.Fields(string(out))
	forbidden := []string{
		"supremeraid.dev/supremeraid-fn/fn/agent",
		"supremeraid.dev/supremeraid-fn/fn/cli",
		"github.com/prometheus/",
		"google.golang.org/grpc",
		"k8s.io/client-go",
		"github.com/spf13/cobra",
	}
	for _, d := range deps {
		for _, f := range forbidden {
			assert.False(t, strings.HasPrefix(d, f), "fn/krm imports %s (directly or not): function mode must not link %s*", d, f)
		}
	}
	const maxDeps = 420 // 399 packages, standard library included, in December 2026
	assert.LessOrEqual(t, len(deps), maxDeps, "fn/krm's import graph grew to %d packages: find the new dependency with go list -deps", len(deps))
}
