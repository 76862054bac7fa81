package opa

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Component is the app.kubernetes.io/component label value of this family.
const Component = "opa"

// LocalConfigAnnotation marks an object that configures tools and is never
// applied: kustomize drops it from its output, kpt live apply skips it.
const LocalConfigAnnotation = "config.kubernetes.io/local-config"

// ValuesKey is the key of the values file in the values ConfigMap.
const ValuesKey = "values.yaml"

// Generate returns, when spec.opa.enabled: the OPA namespace, the OPA pods'
// PriorityClass, the NetworkPolicy in front of the webhook port, the policy
// ConfigMap, the local-config ConfigMap holding the chart values, and with
// spec.opa.install argocd the Argo CD Application for the chart.
func Generate(cfg *config.SupremeRAID) ([]any, error) {
	if !*cfg.Spec.OPA.Enabled {
		return nil, nil
	}
	policy, err := PolicyConfigMap(cfg)
	if err != nil {
		return nil, err
	}
	values, err := ValuesConfigMap(cfg)
	if err != nil {
		return nil, err
	}
	objs := []any{namespace(cfg), PriorityClass(cfg), NetworkPolicy(cfg), policy, values}
	if cfg.Spec.OPA.Install == config.InstallArgoCD {
		objs = append(objs, ArgoCDApplication(cfg))
	}
	return objs, nil
}

// Notes tells a helm user the one step the manifests cannot do.
func Notes(cfg *config.SupremeRAID) []string {
	o := &cfg.Spec.OPA
	if !*o.Enabled || o.Install != config.InstallHelm {
		return nil
	}
	return []string{fmt.Sprintf("install the OPA webhook: supremeraid-fn opa-values CONFIG > opa-values.yaml && "+
		"helm upgrade --install %s %s --repo %s --version %s --namespace %s --values opa-values.yaml",
		shellQuote(ReleaseName(cfg)), ChartName, shellQuote(o.ArgoCD.RepoURL), shellQuote(o.ArgoCD.ChartVersion), shellQuote(o.Namespace))}
}

// SettingsFor derives the policy settings from the config.
func SettingsFor(cfg *config.SupremeRAID) Settings {
	w := &cfg.Spec.Workloads
	s := Settings{
		PodLabel:      w.PodLabel,
		ContainerPath: w.ContainerPath,
		HostBasePath:  w.MountPath,
		VolumeName:    DefaultVolumeName,
		// Exactly the node DaemonSet's selector: the pod lands only where a
		// node pod runs and has mounted the volume (see meta.VolumeNodeSelector).
		NodeSelector: meta.VolumeNodeSelector(cfg),
		MinID:        config.MinTenantID,
	}
	for _, ns := range w.Namespaces {
		s.Namespaces = append(s.Namespaces, ns.Name)
	}
	return s
}

// namespace is the OPA namespace. It is generated so the policy ConfigMap
// has somewhere to go before the chart is installed. It deliberately lacks
// the webhook labels: OPA's own pods must never wait for OPA.
func namespace(cfg *config.SupremeRAID) *corev1.Namespace {
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: meta.Object(cfg, cfg.Spec.OPA.Namespace, "", Component, meta.WaveFoundation),
	}
}

// PolicyConfigMap holds every policy module, one key per file, labelled so
// kube-mgmt loads it. It lives in the OPA namespace, the only one kube-mgmt
// watches.
func PolicyConfigMap(cfg *config.SupremeRAID) (*corev1.ConfigMap, error) {
	files, err := Modules(SettingsFor(cfg))
	if err != nil {
		return nil, fmt.Errorf("generating the OPA policy: %w", err)
	}
	om := meta.Object(cfg, meta.Name(cfg, "opa-policy"), cfg.Spec.OPA.Namespace, Component, meta.WaveFoundation)
	om.Labels[PolicyLabelKey] = PolicyLabelValue
	data := make(map[string]string, len(files))
	for _, f := range files {
		data[f.Name] = f.Content
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: om,
		Data:       data,
	}, nil
}

// ValuesConfigMap carries values.yaml inside a kpt package or kustomize
// tree. It is local configuration, never applied: kustomize drops it from
// its output, kpt live apply skips it. It is not a policy or data
// ConfigMap, so kube-mgmt ignores it as well.
func ValuesConfigMap(cfg *config.SupremeRAID) (*corev1.ConfigMap, error) {
	values, err := ValuesYAML(cfg)
	if err != nil {
		return nil, err
	}
	om := meta.Object(cfg, meta.Name(cfg, "opa-values"), cfg.Spec.OPA.Namespace, Component, meta.WaveFoundation)
	if om.Annotations == nil {
		om.Annotations = map[string]string{}
	}
	om.Annotations[LocalConfigAnnotation] = "true"
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: om,
		Data:       map[string]string{ValuesKey: string(values)},
	}, nil
}
