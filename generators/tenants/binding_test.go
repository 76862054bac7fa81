package tenants_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"supremeraid.dev/supremeraid-fn/generators/meta"
	"supremeraid.dev/supremeraid-fn/generators/opa"
	"supremeraid.dev/supremeraid-fn/generators/tenants"
)

// TestPoliciesAgreeOnOneList: the SCC grants, the hostPath policy, the squatting guard, the
// webhook's namespaceSelector and the Rego policy's tenant list all name the same namespaces,
// and all of them by name.
func TestPoliciesAgreeOnOneList(t *testing.T) {
	cfg := testConfig(t, nil)
	want := []string{"project1", "project2", "project3"}
	require.Equal(t, want, meta.TenantNames(cfg))

	objs, err := tenants.Generate(cfg)
	require.NoError(t, err)
	var granted []string
	for _, o := range objs {
		if rb, ok := o.(*rbacv1.RoleBinding); ok {
			granted = append(granted, rb.Namespace)
		}
	}
	slices.Sort(granted)
	assert.Equal(t, want, granted, "the SCC is granted in exactly the tenant namespaces")

	vap, err := tenants.HostPathPolicy(cfg)
	require.NoError(t, err)
	assert.Equal(t, meta.TenantNamespaceSelector(want), vap.Spec.MatchConstraints.NamespaceSelector, "hostPath policy")

	values := opa.ValuesFor(cfg)
	webhookSel, err := metav1.LabelSelectorAsSelector(&values.AdmissionController.NamespaceSelector)
	require.NoError(t, err)
	assertSelectsTenantsByName(t, "webhook", webhookSel, cfg)

	settings := opa.SettingsFor(cfg)
	got := slices.Sorted(slices.Values(settings.Namespaces))
	assert.Equal(t, want, got, "the Rego policy's tenant list")
}

func TestTenantNamespaceSelectorEmpty(t *testing.T) {
	sel, err := metav1.LabelSelectorAsSelector(meta.TenantNamespaceSelector(nil))
	require.NoError(t, err)
	for _, name := range []string{"default", "project1", "openshift-etcd"} {
		ns := asStored(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
		assert.False(t, sel.Matches(labels.Set(ns.Labels)), "no tenants: %s must not be selected", name)
	}
}
