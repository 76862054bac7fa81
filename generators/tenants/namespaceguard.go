package tenants

import (
	"fmt"
	"strconv"
	"strings"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// NamespaceGuardName names the squatting guard policy and its binding.
func NamespaceGuardName(cfg *config.SupremeRAID) string { return meta.Name(cfg, "tenant-namespaces") }

// NamespaceGuardPolicy refuses the creation of a tenant namespace by anyone but the identities
// in spec.workloads.namespaceCreators. A tenant's directory on the node is keyed by the
// namespace name and outlives the namespace. Without this guard a project admin could delete
// the project and any self-provisioner could re-create it (`oc new-project`) and inherit the
// old tenant's data: re-applying our manifests would only add the SCC grant and annotations to
// the squatter's namespace. OpenShift's project request creates the Namespace through the API
// server like any other client, so the request is checked whoever sends it; a self-provisioner
// is not among the creators.
//
// Only CREATE is matched: updating or deleting an existing namespace does not change who owns
// its directory. The names are matched on the object itself (matchConditions), which the
// creator cannot choose differently from the namespace it gets.
func NamespaceGuardPolicy(cfg *config.SupremeRAID) *admissionregistrationv1.ValidatingAdmissionPolicy {
	c := cfg.Spec.Workloads.NamespaceCreators
	if c == nil {
		c = config.DefaultNamespaceCreators()
	}
	fail := admissionregistrationv1.Fail
	forbidden := metav1.StatusReasonForbidden
	equivalent := admissionregistrationv1.Equivalent
	scope := admissionregistrationv1.ClusterScope
	creators := describeCreators(c)
	return &admissionregistrationv1.ValidatingAdmissionPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicy"},
		ObjectMeta: meta.Object(cfg, NamespaceGuardName(cfg), "", Component, meta.WaveFoundation),
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionregistrationv1.MatchResources{
				MatchPolicy: &equivalent,
				ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionregistrationv1.RuleWithOperations{
						Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
						Rule: admissionregistrationv1.Rule{
							APIGroups:   []string{""},
							APIVersions: []string{"v1"},
							Resources:   []string{"namespaces"},
							Scope:       &scope,
						},
					},
				}},
			},
			MatchConditions: []admissionregistrationv1.MatchCondition{{
				Name:       "supremeraid-tenant-namespace",
				Expression: "object.metadata.name in " + celStringList(meta.TenantNames(cfg)),
			}},
			Validations: []admissionregistrationv1.Validation{{
				Expression: "request.userInfo.username in " + celStringList(c.Users) +
					" || (has(request.userInfo.groups) && request.userInfo.groups.exists(g, g in " + celStringList(c.Groups) + "))",
				Message: fmt.Sprintf("this namespace is a SupremeRAID tenant: its data directory on the nodes outlives the namespace, so only %s (spec.workloads.namespaceCreators) may create it", creators),
				MessageExpression: "'namespace ' + object.metadata.name + " +
					strconv.Quote(" is a SupremeRAID tenant: its data directory on the nodes outlives the namespace, so only "+creators+" (spec.workloads.namespaceCreators) may create it; refused for ") +
					" + request.userInfo.username",
				Reason: &forbidden,
			}},
		},
	}
}

// NamespaceGuardBinding puts the squatting guard in force (Deny).
func NamespaceGuardBinding(cfg *config.SupremeRAID) *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	return &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicyBinding"},
		ObjectMeta: meta.Object(cfg, NamespaceGuardName(cfg), "", Component, meta.WaveFoundation),
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        NamespaceGuardName(cfg),
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
		},
	}
}

// celStringList is a CEL list literal of the strings; strconv.Quote's escapes are all valid in
// a CEL string literal.
func celStringList(ss []string) string {
	quoted := make([]string, len(ss))
	for i, s := range ss {
		quoted[i] = strconv.Quote(s)
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

func describeCreators(c *config.NamespaceCreators) string {
	var parts []string
	if len(c.Users) > 0 {
		parts = append(parts, "users "+strings.Join(c.Users, ", "))
	}
	if len(c.Groups) > 0 {
		parts = append(parts, "members of "+strings.Join(c.Groups, ", "))
	}
	return strings.Join(parts, " and ")
}
