// Package monitoring generates what OpenShift's platform monitoring needs to watch every
// SupremeRAID node: a Service over the node agents' /metrics, the RBAC that lets the platform
// Prometheus (prometheus-k8s in openshift-monitoring) discover it, a ServiceMonitor, a
// PrometheusRule with the alerts, and a console dashboard (docs/monitoring.md).
//
// Platform monitoring, not user-workload monitoring: the RAID is node infrastructure whose
// alerts belong next to the platform's own (same Alertmanager routes, same Observe > Alerting
// view), and user-workload monitoring is off until an administrator edits the cluster-wide
// cluster-monitoring-config ConfigMap, which this function must not own. Platform Prometheus
// picks up ServiceMonitors and PrometheusRules only in namespaces labelled
// openshift.io/cluster-monitoring: "true" (the base family sets it while monitoring is on) and
// needs a Role to list the endpoints there (the pattern cluster-monitoring-operator itself uses
// for its prometheus-k8s Role/RoleBinding in other namespaces).
package monitoring

import (
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Component is the app.kubernetes.io/component label value of this family.
const Component = "monitoring"

const (
	// NodeComponent is the component label of the node agent pods the Service selects (the
	// node family's; generators' wiring test keeps the two in step).
	NodeComponent = "node"
	// AgentPortName is the agent container's named port that serves /readyz, /healthz and
	// /metrics.
	AgentPortName = "probes"
	// MetricsPortName names the Service port the ServiceMonitor scrapes.
	MetricsPortName = "metrics"
	// MetricsPort is the Service port number.
	MetricsPort = 8095
	// ScrapeInterval matches the agent's default reconcile interval: a scrape between two
	// passes would only repeat the last snapshot.
	ScrapeInterval = "30s"
	// PlatformPrometheusNamespace and PlatformPrometheusServiceAccount are the platform
	// Prometheus's identity.
	PlatformPrometheusNamespace      = "openshift-monitoring"
	PlatformPrometheusServiceAccount = "prometheus-k8s"
	// ClusterMonitoringLabel opts a namespace into platform monitoring.
	ClusterMonitoringLabel = "openshift.io/cluster-monitoring"
)

// Names of the generated objects.
func ServiceName(cfg *config.SupremeRAID) string        { return meta.Name(cfg, "node-metrics") }
func ServiceMonitorName(cfg *config.SupremeRAID) string { return meta.Name(cfg, "node") }
func RuleName(cfg *config.SupremeRAID) string           { return meta.Name(cfg, "alerts") }
func RBACName(cfg *config.SupremeRAID) string           { return meta.Name(cfg, "prometheus-k8s") }

// Generate returns, when spec.monitoring.enabled: Service, Role, RoleBinding, ServiceMonitor,
// PrometheusRule and (unless spec.monitoring.dashboard is false) the dashboard ConfigMap.
func Generate(cfg *config.SupremeRAID) ([]any, error) {
	if !cfg.Spec.MonitoringEnabled() {
		return nil, nil
	}
	objs := []any{service(cfg), role(cfg), roleBinding(cfg), serviceMonitor(cfg), prometheusRule(cfg)}
	if cfg.Spec.MonitoringDashboard() {
		cm, err := dashboardConfigMap(cfg)
		if err != nil {
			return nil, err
		}
		objs = append(objs, cm)
	}
	return objs, nil
}

// selectorLabels pick the Service for the ServiceMonitor.
func selectorLabels(cfg *config.SupremeRAID) map[string]string {
	return map[string]string{meta.LabelPartOf: cfg.Name, meta.LabelComponent: Component}
}

// service is headless: Prometheus scrapes each pod through the endpoints, no virtual IP needed.
// It publishes pods that are not ready, because a node agent is not ready exactly when its
// metrics matter most (a virtual drive unmounted, a refusal): without this, the endpoint would
// vanish and the alerts that should fire would lose their series instead.
func service(cfg *config.SupremeRAID) *corev1.Service {
	return &corev1.Service{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Service"},
		ObjectMeta: meta.Object(cfg, ServiceName(cfg), cfg.Spec.Namespace, Component, meta.WaveFoundation),
		Spec: corev1.ServiceSpec{
			ClusterIP:                corev1.ClusterIPNone,
			PublishNotReadyAddresses: true,
			Selector:                 map[string]string{meta.LabelPartOf: cfg.Name, meta.LabelComponent: NodeComponent},
			Ports: []corev1.ServicePort{{
				Name: MetricsPortName, Port: MetricsPort, Protocol: corev1.ProtocolTCP,
				TargetPort: intstr.FromString(AgentPortName),
			}},
		},
	}
}

// role lets the platform Prometheus discover the Service's endpoints in our namespace, read
// only, and nothing else.
func role(cfg *config.SupremeRAID) *rbacv1.Role {
	read := []string{"get", "list", "watch"}
	return &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: meta.Object(cfg, RBACName(cfg), cfg.Spec.Namespace, Component, meta.WaveFoundation),
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"endpoints", "pods", "services"}, Verbs: read},
			{APIGroups: []string{"discovery.k8s.io"}, Resources: []string{"endpointslices"}, Verbs: read},
		},
	}
}

func roleBinding(cfg *config.SupremeRAID) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: meta.Object(cfg, RBACName(cfg), cfg.Spec.Namespace, Component, meta.WaveFoundation),
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: RBACName(cfg)},
		Subjects: []rbacv1.Subject{{
			Kind: "ServiceAccount", Name: PlatformPrometheusServiceAccount, Namespace: PlatformPrometheusNamespace,
		}},
	}
}

// serviceMonitor scrapes every node agent and labels its series with the node it runs on,
// which the alerts and the dashboard name.
func serviceMonitor(cfg *config.SupremeRAID) *ServiceMonitor {
	return &ServiceMonitor{
		TypeMeta:   metav1.TypeMeta{APIVersion: APIVersion, Kind: KindServiceMonitor},
		ObjectMeta: meta.Object(cfg, ServiceMonitorName(cfg), cfg.Spec.Namespace, Component, meta.WaveOperands),
		Spec: ServiceMonitorSpec{
			Selector:          metav1.LabelSelector{MatchLabels: selectorLabels(cfg)},
			NamespaceSelector: NamespaceSelector{MatchNames: []string{cfg.Spec.Namespace}},
			Endpoints: []Endpoint{{
				Port: MetricsPortName, Path: "/metrics", Scheme: "http", Interval: ScrapeInterval,
				Relabelings: []RelabelConfig{{
					SourceLabels: []string{"__meta_kubernetes_pod_node_name"}, TargetLabel: "node", Action: "replace",
				}},
			}},
		},
	}
}
