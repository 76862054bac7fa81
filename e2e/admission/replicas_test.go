package admission

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// testOneReplicaDown (c): with one of the two OPA replicas stopped, opted-in pods are still
// admitted with their volume: the webhook's calls go to the replica that is up (through the
// stand-in for the chart's Service, package endpoints).
func testOneReplicaDown(t *testing.T, e *env) {
	require.GreaterOrEqual(t, len(e.opas), 2, "the values ask for 2 replicas")
	ctx := context.Background()
	down, up := e.opas[1], e.opas[0]
	before, err := up.Decisions(ctx)
	require.NoError(t, err)
	require.NoError(t, down.Stop())
	require.False(t, down.Running())
	t.Logf("OPA replica 1 stopped; replica 0 at %s serves alone", up.Addr())
	const creates = 6
	for i := range creates {
		p, err := e.create(ctx, newPod(tenantNames(e)[i%len(e.tenants)], fmt.Sprintf("one-replica-%d", i), optIn()), false)
		require.NoError(t, err, "opted-in pod %d refused with one replica down", i)
		require.NotNil(t, findVolume(p, volumeName), "pod %d admitted without its volume", i)
	}
	after, err := up.Decisions(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, after.Sub(before).Calls, int64(creates), "every call went to the replica that is up")
	t.Logf("PASS (c) %d opted-in pods admitted with their volume while one of %d replicas was down; the remaining replica served %d decisions; connections per replica %v",
		creates, len(e.opas), after.Sub(before).Calls, e.service.Forwarded())
}
