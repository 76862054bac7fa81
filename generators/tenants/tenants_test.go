package tenants_test

import (
	"fmt"
	"slices"
	"testing"

	securityv1 "github.com/openshift/api/security/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/tenants"
)

func describe(o any) string {
	switch v := o.(type) {
	case *admissionregistrationv1.ValidatingAdmissionPolicy:
		return "ValidatingAdmissionPolicy " + v.Name
	case *admissionregistrationv1.ValidatingAdmissionPolicyBinding:
		return "ValidatingAdmissionPolicyBinding " + v.Name
	case *corev1.Namespace:
		return "Namespace " + v.Name
	case *securityv1.SecurityContextConstraints:
		return "SecurityContextConstraints " + v.Name
	case *rbacv1.Role:
		return "Role " + v.Namespace + "/" + v.Name
	case *rbacv1.RoleBinding:
		return "RoleBinding " + v.Namespace + "/" + v.Name
	}
	return fmt.Sprintf("unexpected %T", o)
}

func TestGenerate(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
		want   []string
	}{
		"three tenants": {
			reason: "path policy first, then per kind in config order; one SCC per namespace, even with equal ids",
			want: []string{
				"ValidatingAdmissionPolicy graid-tenant-hostpath", "ValidatingAdmissionPolicyBinding graid-tenant-hostpath",
				"ValidatingAdmissionPolicy graid-tenant-namespaces", "ValidatingAdmissionPolicyBinding graid-tenant-namespaces",
				"Namespace project1", "Namespace project2", "Namespace project3",
				"SecurityContextConstraints graid-tenant-project1", "SecurityContextConstraints graid-tenant-project2", "SecurityContextConstraints graid-tenant-project3",
				"Role project1/graid-tenant-scc", "Role project2/graid-tenant-scc", "Role project3/graid-tenant-scc",
				"RoleBinding project1/graid-tenant-scc", "RoleBinding project2/graid-tenant-scc", "RoleBinding project3/graid-tenant-scc",
			},
		},
		"other name": {
			reason: "metadata.name prefixes every cluster-scoped and RBAC name",
			mutate: func(c *config.SupremeRAID) {
				c.Name = "storage"
				c.Spec.Workloads.Namespaces = c.Spec.Workloads.Namespaces[:1]
			},
			want: []string{
				"ValidatingAdmissionPolicy storage-tenant-hostpath", "ValidatingAdmissionPolicyBinding storage-tenant-hostpath",
				"ValidatingAdmissionPolicy storage-tenant-namespaces", "ValidatingAdmissionPolicyBinding storage-tenant-namespaces",
				"Namespace project1", "SecurityContextConstraints storage-tenant-project1",
				"Role project1/storage-tenant-scc", "RoleBinding project1/storage-tenant-scc",
			},
		},
		"no tenants": {
			reason: "nothing to admit, nothing emitted",
			mutate: func(c *config.SupremeRAID) { c.Spec.Workloads.Namespaces = nil },
		},
		"OPA disabled": {
			reason: "spec.opa.enabled false turns the tenant objects off as well",
			mutate: func(c *config.SupremeRAID) { c.Spec.OPA.Enabled = ptr.To(false) },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := tenants.Generate(testConfig(t, tc.mutate))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, describe(o))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s\n got %q\nwant %q", tc.reason, got, tc.want)
			}
		})
	}
}

// TestGenerateCommonLabels: every object carries the common labels, and the sync wave when
// enabled (all in the foundation wave, so the path policy is never later than the SCCs).
func TestGenerateCommonLabels(t *testing.T) {
	objs, err := tenants.Generate(testConfig(t, func(c *config.SupremeRAID) { c.Spec.ArgoCD.SyncWaves = true }))
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		m := emittedMap(t, o)
		md := m["metadata"].(map[string]any)
		labels, _ := md["labels"].(map[string]any)
		ann, _ := md["annotations"].(map[string]any)
		if labels["app.kubernetes.io/managed-by"] != "supremeraid-fn" || labels["app.kubernetes.io/part-of"] != "graid" || labels["app.kubernetes.io/component"] != "tenants" {
			t.Errorf("%s: labels %v", describe(o), labels)
		}
		if ann["argocd.argoproj.io/sync-wave"] != "-2" {
			t.Errorf("%s: sync-wave %v, want -2", describe(o), ann["argocd.argoproj.io/sync-wave"])
		}
	}
}
