package generators

import (
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"supremeraid.dev/supremeraid-fn/generators/base"
	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/testconfig"
	"supremeraid.dev/supremeraid-fn/generators/monitoring"
	"supremeraid.dev/supremeraid-fn/generators/node"
)

// TestMonitoringWiring keeps the monitoring family in step with the families it points at
// without importing them: its Service selects exactly the node agent pods and targets the
// agent's named port, and the namespace carries the platform monitoring label.
func TestMonitoringWiring(t *testing.T) {
	cfg := testconfig.Valid(t, nil)
	objs, err := node.Generate(cfg)
	require.NoError(t, err)
	var ds *appsv1.DaemonSet
	for _, o := range objs {
		if d, ok := o.(*appsv1.DaemonSet); ok {
			ds = d
		}
	}
	require.NotNil(t, ds)
	mon, err := monitoring.Generate(cfg)
	require.NoError(t, err)
	svc := mon[0].(*corev1.Service)
	for k, v := range svc.Spec.Selector {
		assert.Equal(t, v, ds.Spec.Template.Labels[k], "the Service selects the node pods by %s", k)
	}
	assert.Equal(t, ds.Spec.Selector.MatchLabels, svc.Spec.Selector, "same pods as the DaemonSet, no more")
	var agent *corev1.Container
	for i := range ds.Spec.Template.Spec.Containers {
		if c := &ds.Spec.Template.Spec.Containers[i]; c.Name == node.AgentContainer {
			agent = c
		}
	}
	require.NotNil(t, agent)
	var port *corev1.ContainerPort
	for i := range agent.Ports {
		if agent.Ports[i].Name == svc.Spec.Ports[0].TargetPort.StrVal {
			port = &agent.Ports[i]
		}
	}
	require.NotNil(t, port, "the Service's target port %q is a named port of the agent container", svc.Spec.Ports[0].TargetPort.StrVal)
	assert.EqualValues(t, node.AgentPort, port.ContainerPort)
	assert.Contains(t, agent.Command, "--listen", "the agent serves /metrics only with --listen")
	assert.Contains(t, agent.Command, ":"+strconv.Itoa(node.AgentPort))

	nsLabels := func(c *config.SupremeRAID) map[string]string {
		objs, err := base.Generate(c)
		require.NoError(t, err)
		return objs[0].(*corev1.Namespace).Labels
	}
	assert.Equal(t, "true", nsLabels(cfg)[monitoring.ClusterMonitoringLabel], "platform Prometheus only looks at labelled namespaces")
	off := testconfig.Valid(t, func(c *config.SupremeRAID) { f := false; c.Spec.Monitoring.Enabled = &f })
	assert.NotContains(t, nsLabels(off), monitoring.ClusterMonitoringLabel, "no monitoring, no opt-in")
}
