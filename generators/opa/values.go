package opa

import (
	"bytes"
	"fmt"
	"slices"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Chart identity: the values below are written for this chart.
const (
	ChartName = "opa-kube-mgmt"
	// ChartMajor is the chart major version the values are written for;
	// spec.opa.argocd.chartVersion may pick any 11.x release.
	ChartMajor = 11
)

// NamespaceNameLabel is the label the API server sets on every namespace to the namespace's own
// name and refuses to let anyone change or remove. The webhook, the hostPath policy and the
// Rego policy select tenant namespaces by it (and only by it): a label this project added
// could be removed by automation or a cleanup, turning the webhook and the path check off while
// the tenant SCC still allows hostPath, or added to a system namespace by mistake.
const NamespaceNameLabel = corev1.LabelMetadataName

// TenantNamespaceSelector selects exactly the given namespaces by name. With none it selects
// nothing: every namespace has the name label, so DoesNotExist matches no namespace (an In
// requirement must list at least one value).
func TenantNamespaceSelector(names []string) *metav1.LabelSelector {
	if len(names) == 0 {
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: NamespaceNameLabel, Operator: metav1.LabelSelectorOpDoesNotExist},
		}}
	}
	return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: NamespaceNameLabel, Operator: metav1.LabelSelectorOpIn, Values: slices.Sorted(slices.Values(names))},
	}}
}

// TenantNames are the configured tenant namespaces, sorted: the one list every policy binds to.
func TenantNames(cfg *config.SupremeRAID) []string {
	names := make([]string, 0, len(cfg.Spec.Workloads.Namespaces))
	for _, ns := range cfg.Spec.Workloads.Namespaces {
		names = append(names, ns.Name)
	}
	slices.Sort(names)
	return names
}

// Replicas of OPA. The webhook fails closed, so a single replica would turn
// every node drain into failed pod creations in tenant namespaces; two with a
// PodDisruptionBudget keep one serving.
const Replicas = 2

// Values is the part of the opa-kube-mgmt chart values this project sets.
// Everything not listed keeps the chart's default (Helm merges these over
// the chart's values.yaml). Field names are the chart's.
type Values struct {
	// FullnameOverride fixes the names of the chart's objects (webhook
	// configuration, Deployment, Secret <fullname>-cert, Service)
	// whatever the release is called, so runbooks can name them.
	FullnameOverride    string              `json:"fullnameOverride"`
	AdmissionController AdmissionController `json:"admissionController"`
	// TimeoutSeconds of the webhook call (top-level in this chart).
	TimeoutSeconds int32 `json:"timeoutSeconds"`
	// UseHTTPS and GenerateCerts: see "TLS" in ValuesFor.
	UseHTTPS      bool   `json:"useHttps"`
	GenerateCerts bool   `json:"generateCerts"`
	CertManager   Toggle `json:"certManager"`
	// Authz keeps the chart's token authorization: only the default
	// decision (what the API server calls) and /health are anonymous.
	Authz               Toggle              `json:"authz"`
	Mgmt                Mgmt                `json:"mgmt"`
	RBAC                RBAC                `json:"rbac"`
	Replicas            int32               `json:"replicas"`
	PodDisruptionBudget PodDisruptionBudget `json:"podDisruptionBudget"`
	// SecurityContext stays disabled: see "Security context" in ValuesFor.
	SecurityContext Toggle `json:"securityContext"`
	HostNetwork     Toggle `json:"hostNetwork"`
}

// Toggle is the chart's {enabled: bool} pattern.
type Toggle struct {
	Enabled bool `json:"enabled"`
}

// AdmissionController is the chart's webhook configuration.
type AdmissionController struct {
	Enabled           bool                                         `json:"enabled"`
	Kind              string                                       `json:"kind"`
	FailurePolicy     admissionregistrationv1.FailurePolicyType    `json:"failurePolicy"`
	NamespaceSelector metav1.LabelSelector                         `json:"namespaceSelector"`
	SideEffect        admissionregistrationv1.SideEffectClass      `json:"sideEffect"`
	Rules             []admissionregistrationv1.RuleWithOperations `json:"rules"`
}

// Mgmt configures the kube-mgmt sidecar.
type Mgmt struct {
	Enabled bool `json:"enabled"`
	// Namespaces kube-mgmt loads policy and data ConfigMaps from.
	Namespaces []string  `json:"namespaces"`
	Policies   Toggle    `json:"policies"`
	Replicate  Replicate `json:"replicate"`
}

// Replicate lists the Kubernetes resources kube-mgmt copies into OPA.
type Replicate struct {
	// Cluster-scoped resources as [group/]version/resource.
	Cluster []string `json:"cluster"`
}

// RBAC configures the chart's roles for kube-mgmt.
type RBAC struct {
	Create bool `json:"create"`
	// ExtraRules go into the chart's replication ClusterRole.
	ExtraRules []rbacv1.PolicyRule `json:"extraRules"`
}

// PodDisruptionBudget for the OPA pods.
type PodDisruptionBudget struct {
	Enabled      bool  `json:"enabled"`
	MinAvailable int32 `json:"minAvailable"`
}

// FullName is the name the chart gives its objects (fullnameOverride).
func FullName(cfg *config.SupremeRAID) string { return meta.Name(cfg, "opa") }

// ReleaseName is the Helm release (and Argo CD Application) name.
func ReleaseName(cfg *config.SupremeRAID) string { return meta.Name(cfg, "opa") }

// ValuesFor returns the chart values for a defaulted, valid config.
//
// TLS: the chart's generated certificates (generateCerts). The chart
// 11.x offers three ways: certificates it generates at render time, a CA and
// key pair passed in values, or cert-manager. The OpenShift service CA is
// not among them: the chart always creates the <fullname>-cert Secret
// itself, and the service CA controller refuses to fill a Secret that it did
// not create for the Service. Generated certificates work on every
// OpenShift cluster with nothing installed first; cert-manager would need
// the cert-manager Operator. What generated certificates cost: a new CA on
// every render. Helm upgrades roll the pods along with it (the chart puts a
// checksum of the certificates on the pod template). For Argo CD, which
// re-renders, the Application ignores those three fields (see
// ignoreDifferences in application.go). Clusters that run cert-manager can
// override certManager.enabled=true and generateCerts=false.
//
// Security context: the chart's pod securityContext defaults to runAsUser 1.
// OpenShift's restricted-v2 SCC rejects that UID. Keep it disabled: then
// restricted-v2 assigns a UID from the namespace's range and sets
// runAsNonRoot, the RuntimeDefault seccomp profile, allowPrivilegeEscalation
// false and drops ALL capabilities, which also satisfies Pod Security
// "restricted". Enabling it without runAsUser would need `runAsUser: null`.
// A null would not survive the Argo CD valuesObject path, because our object
// serialisation drops nulls.
func ValuesFor(cfg *config.SupremeRAID) Values {
	o := &cfg.Spec.OPA
	scope := admissionregistrationv1.NamespacedScope
	return Values{
		FullnameOverride: FullName(cfg),
		AdmissionController: AdmissionController{
			Enabled:       true,
			Kind:          "MutatingWebhookConfiguration",
			FailurePolicy: admissionregistrationv1.FailurePolicyType(o.FailurePolicy),
			// By name only (see NamespaceNameLabel). matchExpressions
			// (not matchLabels) so Helm replaces the chart's default list
			// instead of merging the two selectors.
			NamespaceSelector: *TenantNamespaceSelector(TenantNames(cfg)),
			SideEffect:        admissionregistrationv1.SideEffectClassNone,
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule: admissionregistrationv1.Rule{
					APIGroups:   []string{""},
					APIVersions: []string{"v1"},
					Resources:   []string{"pods"},
					Scope:       &scope,
				},
			}},
		},
		TimeoutSeconds: *o.TimeoutSeconds,
		UseHTTPS:       true,
		GenerateCerts:  true,
		CertManager:    Toggle{Enabled: false},
		Authz:          Toggle{Enabled: true},
		Mgmt: Mgmt{
			Enabled: true,
			// Only the OPA namespace: with more, anyone able to create a
			// labelled ConfigMap in one of them could load policy.
			Namespaces: []string{o.Namespace},
			Policies:   Toggle{Enabled: true},
			// The policy reads the tenant ids from namespace annotations.
			Replicate: Replicate{Cluster: []string{"v1/namespaces"}},
		},
		RBAC: RBAC{
			Create: true,
			// The chart grants kube-mgmt nothing for replicated resources;
			// without this rule it cannot list namespaces and every
			// opted-in pod is denied.
			ExtraRules: []rbacv1.PolicyRule{{
				APIGroups: []string{""},
				Resources: []string{"namespaces"},
				Verbs:     []string{"get", "list", "watch"},
			}},
		},
		Replicas:            Replicas,
		PodDisruptionBudget: PodDisruptionBudget{Enabled: true, MinAvailable: 1},
		SecurityContext:     Toggle{Enabled: false},
		HostNetwork:         Toggle{Enabled: false},
	}
}

// ValuesYAML renders the values as a commented values.yaml, the output of
// `supremeraid-fn opa-values` and the content of the local-config ConfigMap.
func ValuesYAML(cfg *config.SupremeRAID) ([]byte, error) {
	body, err := yaml.Marshal(ValuesFor(cfg))
	if err != nil {
		return nil, fmt.Errorf("rendering %s values: %w", ChartName, err)
	}
	o := &cfg.Spec.OPA
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Helm values for chart %s %s, generated by supremeraid-fn from SupremeRAID %q.\n", ChartName, o.ArgoCD.ChartVersion, cfg.Name)
	b.WriteString("# Do not edit: change the config and generate again. Install with:\n")
	fmt.Fprintf(&b, "#   helm upgrade --install %s %s --repo %s --version %s \\\n", ReleaseName(cfg), ChartName, o.ArgoCD.RepoURL, o.ArgoCD.ChartVersion)
	fmt.Fprintf(&b, "#     --namespace %s --create-namespace --values <this file>\n", o.Namespace)
	b.Write(body)
	return b.Bytes(), nil
}
