// Package tenants generates what lets pods in the configured workload namespaces use the RAID
// volume, and nothing more: the namespaces with the labels and id annotations the OPA policy
// reads, one SecurityContextConstraints per namespace that admits a hostPath volume and that
// namespace's ids only, the RBAC that grants it to that namespace's service accounts, and a
// ValidatingAdmissionPolicy that pins every hostPath in those namespaces to the namespace's own
// directory (an SCC cannot limit hostPath paths).
package tenants

import (
	"supremeraid.dev/supremeraid-fn/generators/config"
)

// Component is the app.kubernetes.io/component label value of this family.
const Component = "tenants"

// Generate returns, when spec.opa.enabled and there are tenant namespaces: the hostPath
// ValidatingAdmissionPolicy and its binding, the namespace squatting guard and its binding,
// then every tenant's Namespace, SCC, Role and RoleBinding. The policies come first so no SCC
// that admits hostPath exists before the path check does, also when the stream is applied in
// order without sync waves.
func Generate(cfg *config.SupremeRAID) ([]any, error) {
	tenants := cfg.Spec.Workloads.Namespaces
	if !*cfg.Spec.OPA.Enabled || len(tenants) == 0 {
		return nil, nil
	}
	policy, err := HostPathPolicy(cfg)
	if err != nil {
		return nil, err
	}
	objs := []any{policy, HostPathPolicyBinding(cfg), NamespaceGuardPolicy(cfg), NamespaceGuardBinding(cfg)}
	for i := range tenants {
		objs = append(objs, Namespace(cfg, &tenants[i]))
	}
	for i := range tenants {
		objs = append(objs, SCC(cfg, &tenants[i]))
	}
	for i := range tenants {
		objs = append(objs, SCCRole(cfg, &tenants[i]))
	}
	for i := range tenants {
		objs = append(objs, SCCRoleBinding(cfg, &tenants[i]))
	}
	return objs, nil
}
