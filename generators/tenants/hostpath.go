package tenants

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"unicode"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// BuildControllerUser is the identity of OpenShift's build controller (openshift-controller-manager).
const BuildControllerUser = "system:serviceaccount:openshift-infra:build-controller"

// HostPathPolicyName names the ValidatingAdmissionPolicy and its binding.
func HostPathPolicyName(cfg *config.SupremeRAID) string { return meta.Name(cfg, "tenant-hostpath") }

// The policy compares paths as strings. It does not parse them, so it does not need to reason
// about "..", "//", "/./", trailing slashes or prefixes such as <dir>evil. Every hostPath must
// be exactly the tenant directory, and any other spelling is refused. Sub-directories are
// refused as well, for a stronger reason: the tenant owns its directory and can create symbolic
// links in it. The kubelet resolves a hostPath on the host, so a hostPath naming such a link
// would mount whatever the link points at (/etc, another tenant's directory). The tenant
// directory itself is created by the node agent in a root-owned parent, so tenants cannot swap
// it for a link.
const (
	exprTenantDir       = `%s + request.namespace`
	exprHostPathVolumes = `has(object.spec.volumes) ? object.spec.volumes.filter(v, has(v.hostPath)) : []`

	exprOnlyTenantDir = `variables.hostPathVolumes.all(v, v.hostPath.path == variables.tenantDir)`
	msgOnlyTenantDir  = `'hostPath volumes in SupremeRAID tenant namespace ' + request.namespace + ' may mount ' + variables.tenantDir + ' only (exactly that path, no sub-directory); refused: ' + ` +
		`variables.hostPathVolumes.filter(v, v.hostPath.path != variables.tenantDir).map(v, v.name + '=' + v.hostPath.path).join(', ')`
	staticOnlyTenantDir = `hostPath volumes in SupremeRAID tenant namespaces may mount the namespace's own directory %s<namespace> only`

	exprTypeDirectory = `variables.hostPathVolumes.all(v, has(v.hostPath.type) && v.hostPath.type == 'Directory')`
	msgTypeDirectory  = `'hostPath volumes in SupremeRAID tenant namespace ' + request.namespace + ' must have type Directory (the node agent creates the directory; the kubelet must not); refused: ' + ` +
		`variables.hostPathVolumes.filter(v, !has(v.hostPath.type) || v.hostPath.type != 'Directory').map(v, v.name).join(', ')`
	staticTypeDirectory = `hostPath volumes in SupremeRAID tenant namespaces must have type Directory`
)

// HostPathPolicy rejects every pod created or updated in a tenant namespace whose hostPath
// volumes are anything but the namespace's own directory <mountPath>/<namespace>, with type
// Directory. It fails closed: if the expressions cannot be evaluated, the pod is refused.
func HostPathPolicy(cfg *config.SupremeRAID) (*admissionregistrationv1.ValidatingAdmissionPolicy, error) {
	base := cfg.Spec.Workloads.MountPath
	if !path.IsAbs(base) || path.Clean(base) != base || base == "/" || strings.IndexFunc(base, unicode.IsControl) >= 0 {
		return nil, fmt.Errorf("generating the hostPath admission policy: spec.workloads.mountPath %q must be a clean absolute path below /", base)
	}
	// strconv.Quote's escapes are all valid in a CEL string literal.
	dirPrefix := strconv.Quote(base + "/")
	fail := admissionregistrationv1.Fail
	forbidden := metav1.StatusReasonForbidden
	equivalent := admissionregistrationv1.Equivalent
	scope := admissionregistrationv1.NamespacedScope
	return &admissionregistrationv1.ValidatingAdmissionPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicy"},
		ObjectMeta: meta.Object(cfg, HostPathPolicyName(cfg), "", Component, meta.WaveFoundation),
		Spec: admissionregistrationv1.ValidatingAdmissionPolicySpec{
			FailurePolicy: &fail,
			MatchConstraints: &admissionregistrationv1.MatchResources{
				// By the API server's name label, never a label of ours (see meta.NamespaceNameLabel).
				NamespaceSelector: meta.TenantNamespaceSelector(meta.TenantNames(cfg)),
				MatchPolicy:       &equivalent,
				ResourceRules: []admissionregistrationv1.NamedRuleWithOperations{{
					RuleWithOperations: admissionregistrationv1.RuleWithOperations{
						Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create, admissionregistrationv1.Update},
						Rule: admissionregistrationv1.Rule{
							APIGroups:   []string{""},
							APIVersions: []string{"v1"},
							Resources:   []string{"pods"},
							Scope:       &scope,
						},
					},
				}},
			},
			// OpenShift's build controller creates build pods with hostPath volumes of its own
			// choosing (/var/lib/kubelet/config.json and the container storage); a BuildConfig
			// cannot name hostPaths. Exempting that one identity is what OpenShift's own Pod
			// Security configuration does (its exemption usernames list holds exactly it). The
			// pod's labels or owner references would be no basis: anyone can forge them.
			MatchConditions: []admissionregistrationv1.MatchCondition{{
				Name:       "not-openshift-build-controller",
				Expression: `request.userInfo.username != "` + BuildControllerUser + `"`,
			}},
			Variables: []admissionregistrationv1.Variable{
				{Name: "tenantDir", Expression: fmt.Sprintf(exprTenantDir, dirPrefix)},
				{Name: "hostPathVolumes", Expression: exprHostPathVolumes},
			},
			Validations: []admissionregistrationv1.Validation{
				{
					Expression:        exprOnlyTenantDir,
					Message:           fmt.Sprintf(staticOnlyTenantDir, base+"/"),
					MessageExpression: msgOnlyTenantDir,
					Reason:            &forbidden,
				},
				{
					Expression:        exprTypeDirectory,
					Message:           staticTypeDirectory,
					MessageExpression: msgTypeDirectory,
					Reason:            &forbidden,
				},
			},
		},
	}, nil
}

// HostPathPolicyBinding puts the policy in force, denying (not just warning about) violations,
// for every request the policy's own match constraints select.
func HostPathPolicyBinding(cfg *config.SupremeRAID) *admissionregistrationv1.ValidatingAdmissionPolicyBinding {
	return &admissionregistrationv1.ValidatingAdmissionPolicyBinding{
		TypeMeta:   metav1.TypeMeta{APIVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicyBinding"},
		ObjectMeta: meta.Object(cfg, HostPathPolicyName(cfg), "", Component, meta.WaveFoundation),
		Spec: admissionregistrationv1.ValidatingAdmissionPolicyBindingSpec{
			PolicyName:        HostPathPolicyName(cfg),
			ValidationActions: []admissionregistrationv1.ValidationAction{admissionregistrationv1.Deny},
		},
	}
}
