package admission

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// testHostPathPolicy: the generated ValidatingAdmissionPolicy, enforced by
// the real API server after the webhook has run, refuses every hostPath in a
// tenant namespace other than that namespace's own directory, and admits the
// webhook-mutated pod.
func testHostPathPolicy(t *testing.T, e *env) {
	ts := tenantNames(e)
	own, other := e.tenants[ts[0]], e.tenants[ts[1]]
	tests := []struct {
		name   string
		reason string
		pod    *corev1.Pod
		allow  bool
		// byValidation: refused by the API server's own pod validation,
		// before admission, so the policy never sees it.
		byValidation string
	}{
		{
			name:   "mutated-pod",
			reason: "the webhook's volume is exactly the tenant's directory",
			pod:    newPod(own.Name, "vap-mutated", optIn()),
			allow:  true,
		},
		{
			name:   "own-dir-by-hand",
			reason: "a pod may name its own directory itself",
			pod:    newPod(own.Name, "vap-own", nil, withHostPath("data", own.Dir, corev1.HostPathDirectory)),
			allow:  true,
		},
		{
			name:   "mutated-plus-etc",
			reason: "an opted-in pod that also mounts /etc: the webhook adds its volume, the policy still sees /etc",
			pod:    newPod(own.Name, "vap-etc", optIn(), withHostPath("etc", "/etc", corev1.HostPathDirectory)),
		},
		{
			name:   "other-tenant",
			reason: "another tenant's directory",
			pod:    newPod(own.Name, "vap-other", nil, withHostPath("data", other.Dir, corev1.HostPathDirectory)),
		},
		{
			name:   "sub-directory",
			reason: "a sub-directory could be a symlink the tenant planted",
			pod:    newPod(own.Name, "vap-sub", nil, withHostPath("data", own.Dir+"/sub", corev1.HostPathDirectory)),
		},
		{
			name:         "dot-dot",
			reason:       "a way out of the tenant's directory",
			pod:          newPod(own.Name, "vap-dotdot", nil, withHostPath("data", own.Dir+"/../"+other.Name, corev1.HostPathDirectory)),
			byValidation: "must not contain '..'",
		},
		{
			name:   "prefix",
			reason: "a name that only starts with the tenant's",
			pod:    newPod(own.Name, "vap-prefix", nil, withHostPath("data", own.Dir+"evil", corev1.HostPathDirectory)),
		},
		{
			name:   "mount-root",
			reason: "the whole volume, every tenant's data",
			pod:    newPod(own.Name, "vap-root", nil, withHostPath("data", e.mountPath, corev1.HostPathDirectory)),
		},
		{
			name:   "directory-or-create",
			reason: "own directory, but the kubelet could create it root-owned",
			pod:    newPod(own.Name, "vap-create", nil, withHostPath("data", own.Dir, corev1.HostPathDirectoryOrCreate)),
		},
		{
			name:   "other-tenant-in-its-own-namespace",
			reason: "the same path is fine for the tenant it belongs to",
			pod:    newPod(other.Name, "vap-theirs", nil, withHostPath("data", other.Dir, corev1.HostPathDirectory)),
			allow:  true,
		},
		{
			name:   "non-tenant-namespace",
			reason: "the policy binds tenant namespaces only (the node's own workloads are not its business)",
			pod:    newPod(plainNS, "vap-plain", nil, withHostPath("etc", "/etc", corev1.HostPathDirectory)),
			allow:  true,
		},
	}
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.pod
			stored, err := e.create(ctx, p, false)
			if tc.allow {
				if err != nil {
					t.Fatalf("%s/%s refused, want admitted (%s): %v", p.Namespace, p.Name, tc.reason, err)
				}
				if p.Labels[podLabel] == "true" && findVolume(stored, volumeName) == nil {
					t.Fatalf("%s/%s was admitted without the webhook's volume, so the policy did not see a mutated pod", p.Namespace, p.Name)
				}
				t.Logf("PASS (e) admitted %s/%s: %s; hostPaths %v", p.Namespace, p.Name, tc.reason, hostPaths(stored))
				return
			}
			if err == nil {
				t.Fatalf("%s/%s admitted with hostPaths %v, want refused by %s (%s)", p.Namespace, p.Name, hostPaths(stored), e.vapName, tc.reason)
			}
			if tc.byValidation != "" {
				if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tc.byValidation) {
					t.Fatalf("%s/%s: got %v, want the API server's validation error %q", p.Namespace, p.Name, err, tc.byValidation)
				}
				t.Logf("PASS (e) refused %s/%s (%s) by the API server's pod validation, before admission: %v", p.Namespace, p.Name, tc.reason, err)
				return
			}
			if !e.deniedByVAP(err) {
				t.Fatalf("%s/%s refused, but not by ValidatingAdmissionPolicy %s (%s): %v", p.Namespace, p.Name, e.vapName, tc.reason, err)
			}
			if _, gerr := e.kube.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{}); !apierrors.IsNotFound(gerr) {
				t.Errorf("the refused pod was stored anyway (get: %v)", gerr)
			}
			t.Logf("PASS (e) refused %s/%s (%s): %v", p.Namespace, p.Name, tc.reason, err)
		})
	}
}

// hostPaths lists name=path of a pod's hostPath volumes, for logs.
func hostPaths(p *corev1.Pod) []string {
	var out []string
	if p == nil {
		return out
	}
	for _, v := range p.Spec.Volumes {
		if v.HostPath != nil {
			out = append(out, v.Name+"="+v.HostPath.Path)
		}
	}
	return out
}
