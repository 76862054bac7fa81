package tenants_test

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"

	"supremeraid.dev/supremeraid-fn/generators/tenants"
)

func TestSCCRBAC(t *testing.T) {
	cfg := testConfig(t, nil)
	for i := range cfg.Spec.Workloads.Namespaces {
		tn := &cfg.Spec.Workloads.Namespaces[i]
		t.Run(tn.Name, func(t *testing.T) {
			var role rbacv1.Role
			strictDecode(t, emitted(t, tenants.SCCRole(cfg, tn)), &role)
			if role.Namespace != tn.Name || role.Name != "graid-tenant-scc" {
				t.Errorf("role %s/%s", role.Namespace, role.Name)
			}
			// Exactly `use` of this namespace's own SCC: not another tenant's, not every SCC.
			want := `[{"verbs":["use"],"apiGroups":["security.openshift.io"],"resources":["securitycontextconstraints"],"resourceNames":["graid-tenant-` + tn.Name + `"]}]`
			if got := mustJSON(t, role.Rules); got != want {
				t.Errorf("rules\n got %s\nwant %s", got, want)
			}

			var rb rbacv1.RoleBinding
			strictDecode(t, emitted(t, tenants.SCCRoleBinding(cfg, tn)), &rb)
			if rb.Namespace != tn.Name || rb.Name != role.Name {
				t.Errorf("binding %s/%s", rb.Namespace, rb.Name)
			}
			wantRef := `{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"graid-tenant-scc"}`
			if got := mustJSON(t, rb.RoleRef); got != wantRef {
				t.Errorf("roleRef\n got %s\nwant %s", got, wantRef)
			}
			// The namespace's service accounts, and only them.
			wantSubj := `[{"kind":"Group","apiGroup":"rbac.authorization.k8s.io","name":"system:serviceaccounts:` + tn.Name + `"}]`
			if got := mustJSON(t, rb.Subjects); got != wantSubj {
				t.Errorf("subjects\n got %s\nwant %s", got, wantSubj)
			}
		})
	}
}
