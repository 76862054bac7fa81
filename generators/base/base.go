// Package base generates the objects every other family relies on: the namespace, the two
// ServiceAccounts and the RoleBindings that give exactly those two accounts the privileged SCC.
package base

import (
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Component is the app.kubernetes.io/component label value of this family.
const Component = "base"

// PrivilegedSCCClusterRole is the ClusterRole OpenShift creates for `use` of the privileged SCC.
const PrivilegedSCCClusterRole = "system:openshift:scc:privileged"

// Generate returns Namespace, ServiceAccounts and RoleBindings, in that order.
func Generate(cfg *config.SupremeRAID) ([]any, error) {
	ns := cfg.Spec.Namespace
	objs := []any{namespace(cfg)}
	accounts := []string{meta.KMMServiceAccount(cfg), meta.NodeServiceAccount(cfg)}
	for _, sa := range accounts {
		objs = append(objs, &corev1.ServiceAccount{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ServiceAccount"},
			ObjectMeta: meta.Object(cfg, sa, ns, Component, meta.WaveFoundation),
		})
	}
	for _, sa := range accounts {
		objs = append(objs, privilegedBinding(cfg, sa))
	}
	return objs, nil
}

// namespace runs privileged pods (module loader, node agent), so Pod Security admission must
// enforce "privileged" there, and OpenShift's label sync must not lower it again.
func namespace(cfg *config.SupremeRAID) *corev1.Namespace {
	om := meta.Object(cfg, cfg.Spec.Namespace, "", Component, meta.WaveFoundation)
	om.Labels["pod-security.kubernetes.io/enforce"] = "privileged"
	om.Labels["pod-security.kubernetes.io/audit"] = "privileged"
	om.Labels["pod-security.kubernetes.io/warn"] = "privileged"
	om.Labels["security.openshift.io/scc.podSecurityLabelSync"] = "false"
	if cfg.Spec.MonitoringEnabled() {
		// Platform Prometheus scrapes and evaluates rules only in namespaces with this label
		// (generators/monitoring).
		om.Labels["openshift.io/cluster-monitoring"] = "true"
	}
	// Keeps OpenShift from scheduling the namespace's pods only on nodes matching a project
	// default node selector: the DaemonSet chooses its nodes itself.
	om.Annotations = mergeAnnotations(om.Annotations, map[string]string{"openshift.io/node-selector": ""})
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: om,
	}
}

// privilegedBinding grants `use` of the privileged SCC to one ServiceAccount only (never the
// namespace's default account, which is what `oc adm policy add-scc-to-user -z default` did).
func privilegedBinding(cfg *config.SupremeRAID, sa string) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: meta.Object(cfg, sa+"-privileged-scc", cfg.Spec.Namespace, Component, meta.WaveFoundation),
		RoleRef: rbacv1.RoleRef{
			APIGroup: "rbac.authorization.k8s.io",
			Kind:     "ClusterRole",
			Name:     PrivilegedSCCClusterRole,
		},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: sa, Namespace: cfg.Spec.Namespace}},
	}
}

func mergeAnnotations(a, b map[string]string) map[string]string {
	if a == nil {
		a = map[string]string{}
	}
	for k, v := range b {
		a[k] = v
	}
	return a
}
