package tenants_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/cel/environment"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/tenants"
)

// createNamespace is a namespace CREATE request by u.
func createNamespace(name string, u user.Info) request {
	return request{
		op:   admission.Create,
		obj:  &corev1.Namespace{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"}, ObjectMeta: metav1.ObjectMeta{Name: name}},
		gvk:  schema.GroupVersionKind{Version: "v1", Kind: "Namespace"},
		gvr:  schema.GroupVersionResource{Version: "v1", Resource: "namespaces"},
		user: u,
	}
}

func TestNamespaceGuardCompiles(t *testing.T) {
	for _, v := range []struct {
		name string
		cfg  *config.SupremeRAID
	}{
		{"defaults", testConfig(t, nil)},
		{"odd names", testConfig(t, func(c *config.SupremeRAID) {
			c.Spec.Workloads.NamespaceCreators = &config.NamespaceCreators{Users: []string{`o'brien "x" \ y`}, Groups: []string{"team's"}}
		})},
	} {
		p := tenants.NamespaceGuardPolicy(v.cfg)
		for _, ver := range []string{"oldest", "default"} {
			vv := oldestVersion
			if ver == "default" {
				vv = environment.DefaultCompatibilityVersion()
			}
			assert.Empty(t, compileErrors(t, p, vv), "%s, %s version", v.name, ver)
		}
	}
}

func TestNamespaceGuardDecisions(t *testing.T) {
	alice := &user.DefaultInfo{Name: "alice", Groups: []string{"system:authenticated:oauth", "system:authenticated"}}
	cases := map[string]struct {
		reason  string
		cfg     func(*config.SupremeRAID)
		req     request
		allowed bool
		skipped bool
		want    string
	}{
		"GitOps controller": {
			reason:  "the default OpenShift GitOps controller applies the tenant namespaces",
			req:     createNamespace("project1", &user.DefaultInfo{Name: config.DefaultGitOpsController, Groups: []string{"system:serviceaccounts", "system:serviceaccounts:openshift-gitops", "system:authenticated"}}),
			allowed: true,
		},
		"system:masters": {
			reason:  "certificate admins",
			req:     createNamespace("project2", &user.DefaultInfo{Name: "system:admin", Groups: []string{"system:masters", "system:authenticated"}}),
			allowed: true,
		},
		"kubeadmin": {
			reason:  "OpenShift's bootstrap admin is in system:cluster-admins",
			req:     createNamespace("project3", &user.DefaultInfo{Name: "kube:admin", Groups: []string{"system:cluster-admins", "system:authenticated"}}),
			allowed: true,
		},
		"self-provisioner": {
			reason: "a self-provisioner re-creating a deleted tenant namespace would inherit its directory",
			req:    createNamespace("project1", alice),
			want:   "namespace project1 is a SupremeRAID tenant: its data directory on the nodes outlives the namespace, so only users " + config.DefaultGitOpsController + " and members of system:masters, system:cluster-admins (spec.workloads.namespaceCreators) may create it; refused for alice",
		},
		"project request": {
			reason: "oc new-project: whatever identity the project request reaches the API server with, it is not a creator",
			req:    createNamespace("project2", &user.DefaultInfo{Name: "system:serviceaccount:openshift-apiserver:openshift-apiserver-sa", Groups: []string{"system:serviceaccounts", "system:authenticated"}}),
			want:   "refused for system:serviceaccount:openshift-apiserver:openshift-apiserver-sa",
		},
		"user without groups": {
			reason: "a request without groups is decided on the user name alone, without an evaluation error",
			req:    createNamespace("project1", &user.DefaultInfo{Name: "bob"}),
			want:   "refused for bob",
		},
		"other namespace": {
			reason:  "namespaces that are not tenants are none of this policy's business",
			req:     createNamespace("web", alice),
			allowed: true, skipped: true,
		},
		"tenant prefix": {
			reason:  "names match exactly",
			req:     createNamespace("project10", alice),
			allowed: true, skipped: true,
		},
		"custom creators only": {
			reason: "with creators configured, cluster admins not listed are refused too",
			cfg: func(c *config.SupremeRAID) {
				c.Spec.Workloads.NamespaceCreators = &config.NamespaceCreators{Users: []string{"system:serviceaccount:argocd:argocd-application-controller"}}
			},
			req:  createNamespace("project1", &user.DefaultInfo{Name: "system:admin", Groups: []string{"system:masters"}}),
			want: "only users system:serviceaccount:argocd:argocd-application-controller (spec.workloads.namespaceCreators)",
		},
		"custom creators, listed": {
			reason: "the configured GitOps service account passes",
			cfg: func(c *config.SupremeRAID) {
				c.Spec.Workloads.NamespaceCreators = &config.NamespaceCreators{Users: []string{"system:serviceaccount:argocd:argocd-application-controller"}}
			},
			req:     createNamespace("project1", &user.DefaultInfo{Name: "system:serviceaccount:argocd:argocd-application-controller"}),
			allowed: true,
		},
		"group creators": {
			reason: "a configured group passes, a user not in it does not",
			cfg: func(c *config.SupremeRAID) {
				c.Spec.Workloads.NamespaceCreators = &config.NamespaceCreators{Groups: []string{"storage-admins"}}
			},
			req:     createNamespace("project1", &user.DefaultInfo{Name: "carol", Groups: []string{"storage-admins"}}),
			allowed: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pt := compile(t, tenants.NamespaceGuardPolicy(testConfig(t, tc.cfg)))
			got := pt.decide(t, tc.req)
			require.Equal(t, tc.allowed, got.allowed, "%s: %s", tc.reason, got)
			assert.Equal(t, tc.skipped, got.skipped, "%s: match conditions", tc.reason)
			if tc.want != "" {
				assert.Contains(t, strings.Join(got.messages, " | "), tc.want, tc.reason)
			}
		})
	}
}

// TestNamespaceGuardMatch: CREATE of namespaces only, enforced by a Deny binding.
func TestNamespaceGuardMatch(t *testing.T) {
	cfg := testConfig(t, nil)
	p := tenants.NamespaceGuardPolicy(cfg)
	assert.Equal(t, `[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["namespaces"],"scope":"Cluster"}]`, mustJSON(t, p.Spec.MatchConstraints.ResourceRules))
	assert.Equal(t, `object.metadata.name in ["project1", "project2", "project3"]`, p.Spec.MatchConditions[0].Expression)
	assert.Equal(t, admissionregistrationv1.Fail, *p.Spec.FailurePolicy)
	b := tenants.NamespaceGuardBinding(cfg)
	assert.Equal(t, p.Name, b.Spec.PolicyName)
	assert.Equal(t, `["Deny"]`, mustJSON(t, b.Spec.ValidationActions))
	assert.Nil(t, b.Spec.MatchResources)
}
