package monitoring

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

type kindName struct{ Kind, Namespace, Name string }

func inventory(t *testing.T, objs []any) []kindName {
	t.Helper()
	var out []kindName
	for _, o := range objs {
		b, err := json.Marshal(o)
		require.NoError(t, err)
		var m struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name      string `json:"name"`
				Namespace string `json:"namespace"`
			} `json:"metadata"`
		}
		require.NoError(t, json.Unmarshal(b, &m))
		out = append(out, kindName{m.Kind, m.Metadata.Namespace, m.Metadata.Name})
	}
	return out
}

func TestGenerateSwitches(t *testing.T) {
	all := []kindName{
		{"Service", "supremeraid", "graid-node-metrics"},
		{"Role", "supremeraid", "graid-prometheus-k8s"},
		{"RoleBinding", "supremeraid", "graid-prometheus-k8s"},
		{"ServiceMonitor", "supremeraid", "graid-node"},
		{"PrometheusRule", "supremeraid", "graid-alerts"},
		{"ConfigMap", "openshift-config-managed", "graid-supremeraid-dashboard"},
	}
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
		want   []kindName
	}{
		"default":       {reason: "on by default, with the dashboard", want: all},
		"disabled":      {reason: "spec.monitoring.enabled: false emits nothing", mutate: func(c *config.SupremeRAID) { c.Spec.Monitoring.Enabled = ptr.To(false) }},
		"no dashboard":  {reason: "alerts without the console dashboard", mutate: func(c *config.SupremeRAID) { c.Spec.Monitoring.Dashboard = ptr.To(false) }, want: all[:5]},
		"explicitly on": {reason: "enabled: true is the default", mutate: func(c *config.SupremeRAID) { c.Spec.Monitoring.Enabled = ptr.To(true) }, want: all},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := Generate(testConfig(t, tc.mutate))
			require.NoError(t, err)
			if diff := cmp.Diff(tc.want, inventory(t, objs)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

// TestGenerateDeterministic: the same config gives byte-identical objects, dashboard included.
func TestGenerateDeterministic(t *testing.T) {
	cfg := testConfig(t, nil)
	first, err := Generate(cfg)
	require.NoError(t, err)
	for range 5 {
		again, err := Generate(cfg)
		require.NoError(t, err)
		a, _ := yaml.Marshal(first)
		b, _ := yaml.Marshal(again)
		require.Equal(t, string(a), string(b))
	}
}

func TestCommonMetadata(t *testing.T) {
	cfg := testConfig(t, func(c *config.SupremeRAID) { c.Spec.ArgoCD.SyncWaves = true })
	objs, err := Generate(cfg)
	require.NoError(t, err)
	waves := map[string]string{"Service": "-2", "Role": "-2", "RoleBinding": "-2", "ConfigMap": "-2", "ServiceMonitor": "0", "PrometheusRule": "0"}
	for i, o := range objs {
		b, err := json.Marshal(o)
		require.NoError(t, err)
		var m struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Labels      map[string]string `json:"labels"`
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
		}
		require.NoError(t, json.Unmarshal(b, &m))
		assert.Equal(t, meta.ManagedBy, m.Metadata.Labels[meta.LabelManagedBy], "object %d", i)
		assert.Equal(t, "graid", m.Metadata.Labels[meta.LabelPartOf], "object %d", i)
		assert.Equal(t, Component, m.Metadata.Labels[meta.LabelComponent], "object %d", i)
		assert.Equal(t, waves[m.Kind], m.Metadata.Annotations[meta.SyncWaveKey], m.Kind)
	}
}

func TestServiceAndMonitorMatch(t *testing.T) {
	cfg := testConfig(t, func(c *config.SupremeRAID) { c.Spec.Namespace = "raid-system" })
	svc := service(cfg)
	sm := serviceMonitor(cfg)
	for k, v := range sm.Spec.Selector.MatchLabels {
		assert.Equal(t, v, svc.Labels[k], "the ServiceMonitor selects the Service by %s", k)
	}
	assert.Equal(t, []string{"raid-system"}, sm.Spec.NamespaceSelector.MatchNames)
	require.Len(t, sm.Spec.Endpoints, 1)
	assert.Equal(t, svc.Spec.Ports[0].Name, sm.Spec.Endpoints[0].Port)
	assert.Equal(t, corev1.ClusterIPNone, svc.Spec.ClusterIP)
	assert.True(t, svc.Spec.PublishNotReadyAddresses, "an agent that is not ready must still be scraped: that is when its alerts fire")
	assert.Equal(t, AgentPortName, svc.Spec.Ports[0].TargetPort.StrVal)
	assert.Equal(t, map[string]string{meta.LabelPartOf: "graid", meta.LabelComponent: NodeComponent}, svc.Spec.Selector,
		"only the node agent pods, never another component's")
	relabel := sm.Spec.Endpoints[0].Relabelings
	require.Len(t, relabel, 1)
	assert.Equal(t, "node", relabel[0].TargetLabel, "alerts and the dashboard name the node")
	assert.Equal(t, `job="graid-node-metrics"`, Selector(cfg), "the job label is the Service name")
}

// TestRBACLeastPrivilege: platform Prometheus may read endpoints, pods and services in our
// namespace, nothing else and nowhere else.
func TestRBACLeastPrivilege(t *testing.T) {
	cfg := testConfig(t, nil)
	r, rb := role(cfg), roleBinding(cfg)
	assert.Equal(t, "supremeraid", r.Namespace)
	for _, rule := range r.Rules {
		assert.ElementsMatch(t, []string{"get", "list", "watch"}, rule.Verbs)
		assert.Empty(t, rule.ResourceNames)
		assert.NotContains(t, rule.Resources, "secrets")
		assert.NotContains(t, rule.Resources, "*")
	}
	assert.Equal(t, rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: r.Name}, rb.RoleRef)
	assert.Equal(t, []rbacv1.Subject{{Kind: "ServiceAccount", Name: "prometheus-k8s", Namespace: "openshift-monitoring"}}, rb.Subjects)
}

func TestAlertsWellFormed(t *testing.T) {
	cfg := testConfig(t, func(c *config.SupremeRAID) {
		c.Spec.Monitoring.RunbookBaseURL = "https://docs.example.com/sr/monitoring"
	})
	rule := prometheusRule(cfg)
	require.Len(t, rule.Spec.Groups, 1)
	seen := map[string]bool{}
	for _, r := range rule.Spec.Groups[0].Rules {
		assert.False(t, seen[r.Alert], "duplicate alert %s", r.Alert)
		seen[r.Alert] = true
		assert.Regexp(t, `^SupremeRAID[A-Z][A-Za-z]+$`, r.Alert)
		assert.Contains(t, []string{"critical", "warning"}, r.Labels["severity"], r.Alert)
		assert.Contains(t, r.Expr.StrVal, `job="graid-node-metrics"`, "%s only looks at our scrape job", r.Alert)
		assert.NotContains(t, r.Expr.StrVal, "SEL", r.Alert)
		assert.Contains(t, r.Annotations["description"], "{{ $labels.node }}", "%s names the node", r.Alert)
		assert.NotEmpty(t, r.Annotations["summary"], r.Alert)
		assert.Equal(t, "https://docs.example.com/sr/monitoring#"+strings.ToLower(r.Alert), r.Annotations["runbook_url"])
	}
	assert.Len(t, seen, len(Alerts))
}
