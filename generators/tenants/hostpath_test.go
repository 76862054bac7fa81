package tenants_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/cel/environment"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/tenants"
)

const base = "/var/mnt/supremeraid/vd0"

func hostPathVolume(name, path string, typ *corev1.HostPathType) corev1.Volume {
	return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path, Type: typ}}}
}

var (
	directory         = ptr.To(corev1.HostPathDirectory)
	directoryOrCreate = ptr.To(corev1.HostPathDirectoryOrCreate)
)

func testPod(ns string, volumes ...corev1.Volume) *corev1.Pod {
	return &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: ns, Labels: map[string]string{"supremeraid.dev/inject": "true"}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", Image: "registry.example/app:1"}},
			Volumes:    volumes,
		},
	}
}

func policyFor(t *testing.T, cfg *config.SupremeRAID) *admissionregistrationv1.ValidatingAdmissionPolicy {
	t.Helper()
	p, err := tenants.HostPathPolicy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestHostPathPolicyCompiles(t *testing.T) {
	p := policyFor(t, testConfig(t, nil))
	versions := map[string]*version.Version{
		"oldest supported": oldestVersion,
		"library default":  environment.DefaultCompatibilityVersion(),
	}
	for name, v := range versions {
		t.Run(name+" "+v.String(), func(t *testing.T) {
			for _, e := range compileErrors(t, p, v) {
				t.Error(e)
			}
		})
	}
}

// TestHostPathPolicyCompileCheckCanFail shows the compile check rejects bad CEL.
func TestHostPathPolicyCompileCheckCanFail(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(p *admissionregistrationv1.ValidatingAdmissionPolicy)
		want   string
	}{
		"syntax": {
			reason: "an unbalanced parenthesis is a compile error",
			mutate: func(p *admissionregistrationv1.ValidatingAdmissionPolicy) {
				p.Spec.Validations[0].Expression = "variables.hostPathVolumes.all(v, v.hostPath.path == variables.tenantDir"
			},
			want: "Syntax error",
		},
		"unknown variable": {
			reason: "a misspelt variable does not exist",
			mutate: func(p *admissionregistrationv1.ValidatingAdmissionPolicy) {
				p.Spec.Validations[0].Expression = "variables.hostPathVolume.all(v, true)"
			},
			want: "undefined field 'hostPathVolume'",
		},
		"message not a string": {
			reason: "a messageExpression must evaluate to a string",
			mutate: func(p *admissionregistrationv1.ValidatingAdmissionPolicy) {
				p.Spec.Validations[1].MessageExpression = "size(variables.hostPathVolumes)"
			},
			want: "must evaluate to string",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			p := policyFor(t, testConfig(t, nil))
			tc.mutate(p)
			errs := strings.Join(compileErrors(t, p, oldestVersion), "\n")
			if !strings.Contains(errs, tc.want) {
				t.Errorf("%s\nwant a compile error containing %q, got:\n%s", tc.reason, tc.want, errs)
			}
		})
	}
}

func TestHostPathPolicyDecisions(t *testing.T) {
	cfg := testConfig(t, nil)
	v := newValidator(t, policyFor(t, cfg))
	objs, err := tenants.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	namespaces := map[string]*corev1.Namespace{}
	for _, o := range objs {
		if ns, ok := o.(*corev1.Namespace); ok {
			namespaces[ns.Name] = ns
		}
	}
	own := base + "/project1"
	webhookVolume := hostPathVolume("supremeraid", own, directory)
	cases := map[string]struct {
		reason  string
		op      admission.Operation
		pod     *corev1.Pod
		old     *corev1.Pod
		allowed bool
		// wantMsgs must each appear in the denial.
		wantMsgs []string
	}{
		"webhook-mutated pod": {
			reason:  "the volume the OPA policy adds: the namespace's own directory, type Directory",
			pod:     testPod("project1", webhookVolume),
			allowed: true,
		},
		"pod without hostPath": {
			reason:  "ordinary volumes are none of this policy's business",
			pod:     testPod("project1", corev1.Volume{Name: "tmp", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}),
			allowed: true,
		},
		"pod without volumes": {
			reason:  "spec.volumes absent",
			pod:     testPod("project1"),
			allowed: true,
		},
		"update of a mutated pod": {
			reason:  "UPDATE (e.g. a label change) of a compliant pod is allowed",
			op:      admission.Update,
			pod:     testPod("project1", webhookVolume),
			old:     testPod("project1", webhookVolume),
			allowed: true,
		},
		"outside the mount": {
			reason:   "a hostPath anywhere else on the node",
			pod:      testPod("project1", hostPathVolume("etc", "/etc", directory)),
			wantMsgs: []string{"may mount " + own + " only", "refused: etc=/etc"},
		},
		"parent traversal": {
			reason:   `"/.." climbs out of the tenant directory to the whole volume`,
			pod:      testPod("project1", hostPathVolume("up", own+"/..", directory)),
			wantMsgs: []string{"refused: up=" + own + "/.."},
		},
		"traversal into another tenant": {
			reason:   `"/../project2" reaches a neighbour's directory`,
			pod:      testPod("project1", hostPathVolume("x", own+"/../project2", directory)),
			wantMsgs: []string{"refused: x=" + own + "/../project2"},
		},
		"prefix trick": {
			reason:   "project1evil starts with project1 but is another directory",
			pod:      testPod("project1", hostPathVolume("evil", own+"evil", directory)),
			wantMsgs: []string{"refused: evil=" + own + "evil"},
		},
		"another tenant's directory": {
			reason:   "project2's directory from project1",
			pod:      testPod("project1", hostPathVolume("other", base+"/project2", directory)),
			wantMsgs: []string{"refused: other=" + base + "/project2"},
		},
		"the whole volume": {
			reason:   "the mount path itself holds every tenant's directory",
			pod:      testPod("project1", hostPathVolume("all", base, directory)),
			wantMsgs: []string{"refused: all=" + base},
		},
		"sub-directory": {
			reason:   "a path below the tenant directory could be a symlink the tenant planted",
			pod:      testPod("project1", hostPathVolume("sub", own+"/link", directory)),
			wantMsgs: []string{"refused: sub=" + own + "/link"},
		},
		"trailing slash": {
			reason:   "another spelling of the directory is refused rather than normalised",
			pod:      testPod("project1", hostPathVolume("slash", own+"/", directory)),
			wantMsgs: []string{"refused: slash=" + own + "/"},
		},
		"double slash": {
			reason:   "another spelling of the directory is refused rather than normalised",
			pod:      testPod("project1", hostPathVolume("dbl", "/var/mnt//supremeraid/vd0/project1", directory)),
			wantMsgs: []string{"refused: dbl=/var/mnt//supremeraid/vd0/project1"},
		},
		"own directory, DirectoryOrCreate": {
			reason:   "the kubelet must never create the tenant directory (root-owned, wrong mode)",
			pod:      testPod("project1", hostPathVolume("mk", own, directoryOrCreate)),
			wantMsgs: []string{"must have type Directory", "refused: mk"},
		},
		"own directory, no type": {
			reason:   "an unset type skips the kubelet's check that the directory exists",
			pod:      testPod("project1", hostPathVolume("plain", own, nil)),
			wantMsgs: []string{"must have type Directory", "refused: plain"},
		},
		"one good, one bad": {
			reason:   "every hostPath must comply; the message names only the bad one",
			pod:      testPod("project1", webhookVolume, hostPathVolume("etc", "/etc", directory)),
			wantMsgs: []string{"refused: etc=/etc"},
		},
		"both rules broken": {
			reason:   "every failed rule is reported",
			pod:      testPod("project1", hostPathVolume("root", "/", directoryOrCreate)),
			wantMsgs: []string{"refused: root=/", "must have type Directory"},
		},
		"update adding nothing but still bad": {
			reason:   "UPDATE of a non-compliant pod is refused too",
			op:       admission.Update,
			pod:      testPod("project1", hostPathVolume("etc", "/etc", directory)),
			old:      testPod("project1", hostPathVolume("etc", "/etc", directory)),
			wantMsgs: []string{"refused: etc=/etc"},
		},
		"the other tenant's own directory": {
			reason:  "the directory is chosen by the request's namespace, not fixed",
			pod:     testPod("project2", hostPathVolume("supremeraid", base+"/project2", directory)),
			allowed: true,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			op := tc.op
			if op == "" {
				op = admission.Create
			}
			got := admit(t, v, op, namespaces[tc.pod.Namespace], tc.pod, tc.old)
			if got.allowed != tc.allowed {
				t.Fatalf("%s\ngot %s", tc.reason, got)
			}
			msg := strings.Join(got.messages, " | ")
			for _, want := range tc.wantMsgs {
				if !strings.Contains(msg, want) {
					t.Errorf("%s\ndenial lacks %q: %s", tc.reason, want, msg)
				}
			}
			if tc.allowed == false && len(tc.wantMsgs) == 0 {
				t.Error("a denial case must say which message it expects")
			}
		})
	}
}

// TestHostPathPolicyMatch: the policy selects exactly the tenant namespaces, by the name label
// the API server sets, and pod CREATE/UPDATE, and is enforced (Deny) by its binding. Labels we
// or anyone else add or remove change nothing.
func TestHostPathPolicyMatch(t *testing.T) {
	cfg := testConfig(t, nil)
	p := policyFor(t, cfg)
	mc := p.Spec.MatchConstraints
	sel, err := metav1.LabelSelectorAsSelector(mc.NamespaceSelector)
	require.NoError(t, err)
	assertSelectsTenantsByName(t, "hostPath policy", sel, cfg)
	wantRules := `[{"operations":["CREATE","UPDATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"],"scope":"Namespaced"}]`
	assert.Equal(t, wantRules, mustJSON(t, mc.ResourceRules))
	assert.Equal(t, admissionregistrationv1.Fail, *p.Spec.FailurePolicy, "a policy that cannot be evaluated must refuse the pod")
	b := tenants.HostPathPolicyBinding(cfg)
	if b.Spec.PolicyName != p.Name || mustJSON(t, b.Spec.ValidationActions) != `["Deny"]` || b.Spec.MatchResources != nil || b.Spec.ParamRef != nil {
		t.Errorf("binding %+v: must bind %s with Deny and no narrowing", b.Spec, p.Name)
	}
}

// assertSelectsTenantsByName checks a namespace selector against namespaces as the API server
// stores them, before and after labels are tampered with.
func assertSelectsTenantsByName(t *testing.T, what string, sel labels.Selector, cfg *config.SupremeRAID) {
	t.Helper()
	tenant := asStored(tenants.Namespace(cfg, &cfg.Spec.Workloads.Namespaces[0]))
	stripped := tenant.DeepCopy()
	for k := range stripped.Labels {
		if k != corev1.LabelMetadataName {
			delete(stripped.Labels, k)
		}
	}
	relabelled := tenant.DeepCopy()
	relabelled.Labels["supremeraid.dev/tenant"] = "false"
	relabelled.Labels["openpolicyagent.org/webhook"] = "ignore"
	system := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "openshift-etcd", Labels: map[string]string{
		corev1.LabelMetadataName: "openshift-etcd",
		// Labels a tenant carried in earlier releases, or that a mistake copies over.
		"supremeraid.dev/tenant": "true", "openpolicyagent.org/webhook": "enabled",
		"pod-security.kubernetes.io/enforce": "privileged",
	}}}
	cases := map[string]struct {
		reason string
		ns     *corev1.Namespace
		want   bool
	}{
		"tenant as generated":     {reason: "the generated tenant namespace as stored", ns: tenant, want: true},
		"tenant, labels removed":  {reason: "automation or a cleanup removed every label we set: still a tenant, still checked", ns: stripped, want: true},
		"tenant, labels flipped":  {reason: "opt-out values of well-known labels change nothing", ns: relabelled, want: true},
		"system, tenant labels":   {reason: "a system namespace labelled like a tenant by mistake is not selected: its hostPath pods keep working", ns: system, want: false},
		"unlabelled other":        {reason: "an ordinary namespace", ns: asStored(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "web"}}), want: false},
		"other tenant, as stored": {reason: "every configured tenant", ns: asStored(tenants.Namespace(cfg, &cfg.Spec.Workloads.Namespaces[2])), want: true},
	}
	for name, tc := range cases {
		assert.Equal(t, tc.want, sel.Matches(labels.Set(tc.ns.Labels)), "%s: %s: %s (labels %v)", what, name, tc.reason, tc.ns.Labels)
	}
}

// TestHostPathPolicyQuoting: the base path is embedded as a CEL string literal; characters
// that need escaping must reach the comparison unchanged. (Config validation refuses such paths;
// the escaping must hold anyway.)
func TestHostPathPolicyQuoting(t *testing.T) {
	for _, weird := range []string{`/var/mnt/it's`, `/var/mnt/a"b\c`, "/var/mnt/é ü", "/var/mnt/x\u2028y"} {
		t.Run(weird, func(t *testing.T) {
			cfg := testConfig(t, nil)
			cfg.Spec.Workloads.MountPath = weird
			p := policyFor(t, cfg)
			for _, e := range compileErrors(t, p, oldestVersion) {
				t.Fatal(e)
			}
			v := newValidator(t, p)
			ns := tenants.Namespace(cfg, &cfg.Spec.Workloads.Namespaces[0])
			if got := admit(t, v, admission.Create, ns, testPod("project1", hostPathVolume("d", weird+"/project1", directory)), nil); !got.allowed {
				t.Errorf("the exact tenant directory under %q: %s", weird, got)
			}
			if got := admit(t, v, admission.Create, ns, testPod("project1", hostPathVolume("d", weird+"/project2", directory)), nil); got.allowed {
				t.Errorf("another tenant's directory under %q was allowed", weird)
			}
		})
	}
}

func TestHostPathPolicyRefusesUncleanBase(t *testing.T) {
	for _, bad := range []string{"", "relative", "/", "/var/mnt/", "/var/../etc", "/var/mnt\n/x"} {
		cfg := testConfig(t, nil)
		cfg.Spec.Workloads.MountPath = bad
		if _, err := tenants.HostPathPolicy(cfg); err == nil || !strings.Contains(err.Error(), "spec.workloads.mountPath") {
			t.Errorf("mountPath %q: want an error naming spec.workloads.mountPath, got %v", bad, err)
		}
	}
}

// TestHostPathPolicyBuildController: OpenShift's build controller (and only it, by identity) may
// create build pods with its own hostPath volumes in a tenant namespace; a pod that merely looks
// like a build pod is checked like any other.
func TestHostPathPolicyBuildController(t *testing.T) {
	cfg := testConfig(t, nil)
	pt := compile(t, policyFor(t, cfg))
	ns := asStored(tenants.Namespace(cfg, &cfg.Spec.Workloads.Namespaces[0]))
	buildPod := func() *corev1.Pod {
		p := testPod("project1", hostPathVolume("node-pullsecrets", "/var/lib/kubelet/config.json", ptr.To(corev1.HostPathFile)))
		p.Labels = map[string]string{"openshift.io/build.name": "app-1"}
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "build.openshift.io/v1", Kind: "Build", Name: "app-1", UID: "u", Controller: ptr.To(true)}}
		return p
	}
	cases := map[string]struct {
		reason  string
		user    user.Info
		allowed bool
	}{
		"build controller": {
			reason:  "the build controller's own pods keep working in tenant namespaces",
			user:    &user.DefaultInfo{Name: tenants.BuildControllerUser, Groups: []string{"system:serviceaccounts", "system:serviceaccounts:openshift-infra"}},
			allowed: true,
		},
		"tenant forging a build pod": {
			reason: "labels and owner references are the pod author's to write: no exemption",
			user:   &user.DefaultInfo{Name: "system:serviceaccount:project1:builder", Groups: []string{"system:serviceaccounts", "system:serviceaccounts:project1"}},
		},
		"look-alike name": {
			reason: "the same service account name in another namespace is another identity",
			user:   &user.DefaultInfo{Name: "system:serviceaccount:project1:build-controller"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := admitAs(t, pt, admission.Create, ns, buildPod(), nil, tc.user)
			assert.Equal(t, tc.allowed, got.allowed, "%s: %s", tc.reason, got)
		})
	}
}
