package monitoring

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// prometheus-operator's Go module is not a dependency of this project, so these are the
// ServiceMonitor and PrometheusRule fields we set, with the upstream JSON names
// (github.com/prometheus-operator/prometheus-operator pkg/apis/monitoring/v1). The schema test
// proves them against the upstream CRDs (v0.81.0, testdata of generators/internal/crdcheck).

// API identity of the prometheus-operator kinds.
const (
	APIVersion         = "monitoring.coreos.com/v1"
	KindServiceMonitor = "ServiceMonitor"
	KindPrometheusRule = "PrometheusRule"
)

// ServiceMonitor tells Prometheus which Service endpoints to scrape.
type ServiceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ServiceMonitorSpec `json:"spec"`
}

// ServiceMonitorSpec selects Services in namespaces and says how to scrape them.
type ServiceMonitorSpec struct {
	JobLabel          string               `json:"jobLabel,omitempty"`
	Selector          metav1.LabelSelector `json:"selector"`
	NamespaceSelector NamespaceSelector    `json:"namespaceSelector,omitempty"`
	Endpoints         []Endpoint           `json:"endpoints"`
}

// NamespaceSelector lists the namespaces to find Services in.
type NamespaceSelector struct {
	MatchNames []string `json:"matchNames,omitempty"`
}

// Endpoint is one scraped Service port.
type Endpoint struct {
	Port          string              `json:"port,omitempty"`
	TargetPort    *intstr.IntOrString `json:"targetPort,omitempty"`
	Path          string              `json:"path,omitempty"`
	Scheme        string              `json:"scheme,omitempty"`
	Interval      string              `json:"interval,omitempty"`
	ScrapeTimeout string              `json:"scrapeTimeout,omitempty"`
	Relabelings   []RelabelConfig     `json:"relabelings,omitempty"`
}

// RelabelConfig rewrites target labels before the scrape.
type RelabelConfig struct {
	SourceLabels []string `json:"sourceLabels,omitempty"`
	TargetLabel  string   `json:"targetLabel,omitempty"`
	Action       string   `json:"action,omitempty"`
	Regex        string   `json:"regex,omitempty"`
	Replacement  *string  `json:"replacement,omitempty"`
}

// PrometheusRule holds alerting rules.
type PrometheusRule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec PrometheusRuleSpec `json:"spec"`
}

// PrometheusRuleSpec is a list of rule groups.
type PrometheusRuleSpec struct {
	Groups []RuleGroup `json:"groups"`
}

// RuleGroup is evaluated at one interval.
type RuleGroup struct {
	Name     string `json:"name"`
	Interval string `json:"interval,omitempty"`
	Rules    []Rule `json:"rules"`
}

// Rule is one alerting rule.
type Rule struct {
	Alert       string             `json:"alert,omitempty"`
	Expr        intstr.IntOrString `json:"expr"`
	For         string             `json:"for,omitempty"`
	Labels      map[string]string  `json:"labels,omitempty"`
	Annotations map[string]string  `json:"annotations,omitempty"`
}
