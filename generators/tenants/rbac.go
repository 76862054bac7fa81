package tenants

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// SCCRoleName names the Role (and RoleBinding) in each tenant namespace that grants `use` of
// that namespace's SCC.
func SCCRoleName(cfg *config.SupremeRAID) string { return meta.Name(cfg, "tenant-scc") }

// ServiceAccountsGroup is the group of every service account of a namespace.
func ServiceAccountsGroup(namespace string) string { return "system:serviceaccounts:" + namespace }

// SCCRole grants `use` of the namespace's own SCC. It is a Role, not a ClusterRole, on purpose:
// SCC admission authorizes `use` in the pod's namespace, so a namespaced Role is enough. It
// cannot be bound in any other namespace, so the grant exists exactly where it belongs.
func SCCRole(cfg *config.SupremeRAID, t *config.TenantNamespace) *rbacv1.Role {
	return &rbacv1.Role{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "Role"},
		ObjectMeta: meta.Object(cfg, SCCRoleName(cfg), t.Name, Component, meta.WaveFoundation),
		Rules: []rbacv1.PolicyRule{{
			APIGroups:     []string{"security.openshift.io"},
			Resources:     []string{"securitycontextconstraints"},
			ResourceNames: []string{SCCName(cfg, t.Name)},
			Verbs:         []string{"use"},
		}},
	}
}

// SCCRoleBinding gives the Role to the namespace's service accounts. Pods run as service
// accounts, and the SCC is checked against the pod's service account, so the namespace's own
// service accounts are all it needs. Users get nothing.
func SCCRoleBinding(cfg *config.SupremeRAID, t *config.TenantNamespace) *rbacv1.RoleBinding {
	return &rbacv1.RoleBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding"},
		ObjectMeta: meta.Object(cfg, SCCRoleName(cfg), t.Name, Component, meta.WaveFoundation),
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: SCCRoleName(cfg)},
		Subjects: []rbacv1.Subject{{
			APIGroup: "rbac.authorization.k8s.io",
			Kind:     "Group",
			Name:     ServiceAccountsGroup(t.Name),
		}},
	}
}
