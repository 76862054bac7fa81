package opa

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8slabels "k8s.io/apimachinery/pkg/labels"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// TestNetworkPolicy: the OPA pods accept the webhook port from the host network (where the API
// server runs) and from nowhere else; other pods of the OPA namespace are not selected.
func TestNetworkPolicy(t *testing.T) {
	cfg := testConfig(t, func(c *config.SupremeRAID) { c.Name = "storage"; c.Spec.OPA.Namespace = "opa-system" })
	np := NetworkPolicy(cfg)
	assert.Equal(t, "opa-system", np.Namespace)
	sel, err := metav1.LabelSelectorAsSelector(&np.Spec.PodSelector)
	require.NoError(t, err)
	assert.True(t, sel.Matches(k8slabels.Set{"app": "storage-opa"}), "the chart's pods")
	assert.False(t, sel.Matches(k8slabels.Set{"app": "other"}))
	assert.Equal(t, `["Ingress"]`, mustJSON(t, np.Spec.PolicyTypes), "ingress only: OPA's own calls to the API server stay open")
	require.Len(t, np.Spec.Ingress, 1)
	rule := np.Spec.Ingress[0]
	require.Len(t, rule.From, 1)
	assert.Nil(t, rule.From[0].PodSelector, "no pod may call OPA")
	assert.Nil(t, rule.From[0].IPBlock)
	assert.Equal(t, map[string]string{"policy-group.network.openshift.io/host-network": ""}, rule.From[0].NamespaceSelector.MatchLabels)
	require.Len(t, rule.Ports, 1)
	assert.Equal(t, corev1.ProtocolTCP, *rule.Ports[0].Protocol)
	assert.Equal(t, 8181, rule.Ports[0].Port.IntValue())
}

func TestPriorityClass(t *testing.T) {
	cfg := testConfig(t, nil)
	pc := PriorityClass(cfg)
	assert.Equal(t, ValuesFor(cfg).PriorityClassName, pc.Name, "the values name the generated class")
	assert.Equal(t, int32(1000000000), pc.Value, "the highest value a user-defined class may have")
	assert.False(t, pc.GlobalDefault)
}

func TestBootstrapPolicyHasNoShellExpansion(t *testing.T) {
	// The chart writes it with an unquoted here-document: $ and backquotes would be expanded.
	for _, label := range []string{"supremeraid.dev/inject", "example.com/fast-storage"} {
		assert.NotContains(t, BootstrapPolicy(label), "$")
		assert.NotContains(t, BootstrapPolicy(label), "`")
	}
}
