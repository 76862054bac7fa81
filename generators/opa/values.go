package opa

import (
	"bytes"
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/api/resource"
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
	// UseHTTPS, GenerateCerts, CA, Cert, Key: see "TLS" in ValuesFor.
	UseHTTPS      bool   `json:"useHttps"`
	GenerateCerts bool   `json:"generateCerts"`
	CA            string `json:"CA"`
	Cert          string `json:"cert"`
	Key           string `json:"key"`
	CertManager   Toggle `json:"certManager"`
	// Service carries the service CA annotation (see "TLS").
	Service Service `json:"service"`
	// Authz keeps the chart's token authorization: only the default
	// decision (what the API server calls) and /health are anonymous.
	Authz Toggle `json:"authz"`
	// BootstrapPolicies are written to /bootstrap and loaded when OPA
	// starts, before kube-mgmt loads anything (see BootstrapPolicy).
	BootstrapPolicies map[string]string `json:"bootstrapPolicies"`
	Mgmt              Mgmt              `json:"mgmt"`
	RBAC              RBAC              `json:"rbac"`
	Replicas          int32             `json:"replicas"`
	// PodDisruptionBudget, TopologySpreadConstraints, PriorityClassName and
	// Resources: see "Availability" in ValuesFor.
	PodDisruptionBudget       PodDisruptionBudget               `json:"podDisruptionBudget"`
	TopologySpreadConstraints []corev1.TopologySpreadConstraint `json:"topologySpreadConstraints"`
	PriorityClassName         string                            `json:"priorityClassName"`
	Resources                 corev1.ResourceRequirements       `json:"resources"`
	// ExtraArgs, ExtraVolumes and ExtraVolumeMounts point OPA at the
	// service CA's serving certificate (see "TLS").
	ExtraArgs         []string             `json:"extraArgs"`
	ExtraVolumes      []corev1.Volume      `json:"extraVolumes"`
	ExtraVolumeMounts []corev1.VolumeMount `json:"extraVolumeMounts"`
	// SecurityContext stays disabled: see "Security context" in ValuesFor.
	SecurityContext Toggle `json:"securityContext"`
	HostNetwork     Toggle `json:"hostNetwork"`
}

// Service is the chart's Service configuration.
type Service struct {
	Annotations map[string]string `json:"annotations"`
}

// Toggle is the chart's {enabled: bool} pattern.
type Toggle struct {
	Enabled bool `json:"enabled"`
}

// AdmissionController is the chart's webhook configuration.
type AdmissionController struct {
	Enabled bool `json:"enabled"`
	// Annotations go on the webhook configuration (and the chart's
	// certificate Secret): the service CA injects the caBundle.
	Annotations       map[string]string                            `json:"annotations"`
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
	Namespaces []string `json:"namespaces"`
	Policies   Toggle   `json:"policies"`
	// Data off: kube-mgmt would otherwise load every ConfigMap labelled
	// openpolicyagent.org/data=opa in the OPA namespace as data, which the
	// policy never reads.
	Data      Toggle                      `json:"data"`
	Replicate Replicate                   `json:"replicate"`
	Resources corev1.ResourceRequirements `json:"resources"`
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

// ServingCertSecretName is the Secret OpenShift's service CA writes the
// OPA Service's serving certificate into.
func ServingCertSecretName(cfg *config.SupremeRAID) string { return FullName(cfg) + "-serving-cert" }

// Service CA annotations (service-ca-operator).
const (
	ServingCertAnnotation    = "service.beta.openshift.io/serving-cert-secret-name"
	InjectCABundleAnnotation = "service.beta.openshift.io/inject-cabundle"
)

// servingCertDir is where the opa container finds the service CA's
// certificate (the chart mounts its own, empty, Secret at /certs).
const servingCertDir = "/serving-cert"

// OPA container resources. Requests make the pods Burstable rather than
// BestEffort, the first evicted under node pressure; the memory limit
// bounds the replicated namespaces plus the policy with a wide margin.
var (
	opaResources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")},
	}
	mgmtResources = corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("20m"), corev1.ResourceMemory: resource.MustParse("64Mi")},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("512Mi")},
	}
)

// ValuesFor returns the chart values for a defaulted, valid config.
//
// Scope: the webhook selects the tenant namespaces by name
// (meta.TenantNamespaceSelector), pod CREATE only. The chart renders no
// reinvocationPolicy (templates/webhookconfiguration.yaml has no such
// field), so it stays the API server's default, Never: containers that a
// mutating webhook called after this one adds do not get the volume.
//
// TLS: OpenShift's service CA. The Service carries
// service.beta.openshift.io/serving-cert-secret-name, so the service CA
// controller writes a certificate for <fullname>.<ns>.svc into
// <fullname>-serving-cert and renews it before it expires; the webhook
// configuration carries service.beta.openshift.io/inject-cabundle, so the
// controller writes the CA into clientConfig.caBundle. Nothing changes on
// helm upgrade or an Argo CD refresh, unlike the chart's generateCerts
// (a new CA on every render, and pods serving the old certificate until
// they roll). The chart cannot be told to use that Secret for its own
// /certs mount: with useHttps and without cert-manager it always creates
// <fullname>-cert itself (here empty: generateCerts false, no cert), and
// the service CA controller will not write into a Secret it did not
// create. So the service CA's Secret is mounted as an extra volume and
// OPA's --tls-cert-file/--tls-private-key-file are given again in
// extraArgs, which the chart appends after its own (the last value of a
// repeated flag wins); --tls-cert-refresh-period makes OPA reload the
// renewed certificate without a restart. cert-manager is not used: it is
// an add-on operator, the service CA is part of every OpenShift cluster.
//
// Availability: the webhook fails closed, so OPA being down stops pod
// creation in every tenant namespace. Two replicas, spread over nodes
// (DoNotSchedule, but nodes tainted against the pods, e.g. cordoned ones,
// do not count, so a drain is not blocked by the spread), a
// PodDisruptionBudget keeping one, requests so the pods are not
// BestEffort, and a PriorityClass of their own (PriorityClassName) so they
// are scheduled and kept before ordinary workloads. A NetworkPolicy
// (NetworkPolicy) admits the webhook port from the host network only.
//
// Undefined decisions: a bootstrap policy (BootstrapPolicy) answers every
// review even while the SupremeRAID policy is missing or does not compile:
// pods that did not opt in are allowed, opted-in pods refused.
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
	full := FullName(cfg)
	honor := corev1.NodeInclusionPolicyHonor
	return Values{
		FullnameOverride: full,
		AdmissionController: AdmissionController{
			Enabled:       true,
			Annotations:   map[string]string{InjectCABundleAnnotation: "true"},
			Kind:          "MutatingWebhookConfiguration",
			FailurePolicy: admissionregistrationv1.FailurePolicyType(o.FailurePolicy),
			// By name only (see meta.NamespaceNameLabel). matchExpressions
			// (not matchLabels) so Helm replaces the chart's default list
			// instead of merging the two selectors.
			NamespaceSelector: *meta.TenantNamespaceSelector(meta.TenantNames(cfg)),
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
		TimeoutSeconds:    *o.TimeoutSeconds,
		UseHTTPS:          true,
		GenerateCerts:     false,
		CertManager:       Toggle{Enabled: false},
		Service:           Service{Annotations: map[string]string{ServingCertAnnotation: ServingCertSecretName(cfg)}},
		Authz:             Toggle{Enabled: true},
		BootstrapPolicies: map[string]string{BootstrapPolicyName: BootstrapPolicy(cfg.Spec.Workloads.PodLabel)},
		Mgmt: Mgmt{
			Enabled: true,
			// Only the OPA namespace: with more, anyone able to create a
			// labelled ConfigMap in one of them could load policy.
			Namespaces: []string{o.Namespace},
			Policies:   Toggle{Enabled: true},
			Data:       Toggle{Enabled: false},
			// The policy reads the tenant ids from namespace annotations.
			Replicate: Replicate{Cluster: []string{"v1/namespaces"}},
			Resources: mgmtResources,
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
		TopologySpreadConstraints: []corev1.TopologySpreadConstraint{{
			MaxSkew:           1,
			TopologyKey:       corev1.LabelHostname,
			WhenUnsatisfiable: corev1.DoNotSchedule,
			// The chart labels its pods app: <fullname>.
			LabelSelector:    &metav1.LabelSelector{MatchLabels: map[string]string{"app": full}},
			NodeTaintsPolicy: &honor,
		}},
		PriorityClassName: PriorityClassName(cfg),
		Resources:         opaResources,
		ExtraArgs: []string{
			"--tls-cert-file=" + servingCertDir + "/tls.crt",
			"--tls-private-key-file=" + servingCertDir + "/tls.key",
			"--tls-cert-refresh-period=1h",
		},
		ExtraVolumes: []corev1.Volume{{Name: "serving-cert", VolumeSource: corev1.VolumeSource{
			Secret: &corev1.SecretVolumeSource{SecretName: ServingCertSecretName(cfg)},
		}}},
		ExtraVolumeMounts: []corev1.VolumeMount{{Name: "serving-cert", MountPath: servingCertDir, ReadOnly: true}},
		SecurityContext:   Toggle{Enabled: false},
		HostNetwork:       Toggle{Enabled: false},
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
	fmt.Fprintf(&b, "#   helm upgrade --install %s %s --repo %s --version %s \\\n", shellQuote(ReleaseName(cfg)), ChartName, shellQuote(o.ArgoCD.RepoURL), shellQuote(o.ArgoCD.ChartVersion))
	fmt.Fprintf(&b, "#     --namespace %s --create-namespace --values <this file>\n", shellQuote(o.Namespace))
	b.Write(body)
	return b.Bytes(), nil
}
