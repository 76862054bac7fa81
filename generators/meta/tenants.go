package meta

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// The tenant contract the opa family (webhook, Rego) and the tenants family (hostPath policy,
// namespace guard) both bind to.

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
