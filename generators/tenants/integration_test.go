package tenants_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	securityv1 "github.com/openshift/api/security/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apiserver/pkg/admission"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/opa"
	"supremeraid.dev/supremeraid-fn/generators/tenants"
)

// TestTenantPodEndToEnd follows an opted-in pod through everything this project generates
// for it, in the order the API server applies them:
//  1. the webhook's namespaceSelector (chart values) selects the generated tenant namespace;
//  2. the real OPA engine, loaded with the generated policy ConfigMap and the generated
//     Namespace objects as kube-mgmt replicates them, patches the pod;
//  3. the patched pod decodes strictly as a v1 Pod;
//  4. the generated ValidatingAdmissionPolicy admits it;
//  5. its ids and volumes are inside what the namespace's generated SCC allows, and outside
//     what every other tenant's SCC allows.
func TestTenantPodEndToEnd(t *testing.T) {
	cfg := testConfig(t, func(c *config.SupremeRAID) {
		c.Spec.Workloads.PodLabel = "example.com/fast-storage"
		c.Spec.Workloads.ContainerPath = "/scratch"
	})
	objs, err := tenants.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	namespaces := map[string]*corev1.Namespace{}
	replicated := map[string]any{}
	sccs := map[string]*securityv1.SecurityContextConstraints{}
	for _, o := range objs {
		switch v := o.(type) {
		case *corev1.Namespace:
			namespaces[v.Name] = asStored(v)
			replicated[v.Name] = emittedMap(t, v)
		case *securityv1.SecurityContextConstraints:
			sccs[v.Name] = v
		}
	}
	policyCM, err := opa.PolicyConfigMap(cfg)
	if err != nil {
		t.Fatal(err)
	}
	opts := []func(*rego.Rego){
		rego.Query("data.system.main"),
		rego.Store(inmem.NewFromObject(map[string]any{"kubernetes": map[string]any{"namespaces": replicated}})),
		rego.StrictBuiltinErrors(true),
	}
	for name, module := range policyCM.Data {
		opts = append(opts, rego.Module(name, module))
	}
	// The default decision comes from the bootstrap policy in the generated chart values.
	for name, module := range opa.ValuesFor(cfg).BootstrapPolicies {
		opts = append(opts, rego.Module("bootstrap/"+name+".rego", module))
	}
	pq, err := rego.New(opts...).PrepareForEval(context.Background())
	if err != nil {
		t.Fatalf("loading the generated policy ConfigMap into OPA: %v", err)
	}
	values := opa.ValuesFor(cfg)
	webhookSel, err := metav1.LabelSelectorAsSelector(&values.AdmissionController.NamespaceSelector)
	if err != nil {
		t.Fatal(err)
	}
	vap, err := tenants.HostPathPolicy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	validator := newValidator(t, vap)

	for _, tn := range cfg.Spec.Workloads.Namespaces {
		t.Run(tn.Name, func(t *testing.T) {
			ns := namespaces[tn.Name]
			if !webhookSel.Matches(labels.Set(ns.Labels)) {
				t.Fatalf("the webhook's namespaceSelector %s does not select tenant namespace labels %v", webhookSel, ns.Labels)
			}
			pod := corev1.Pod{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
				ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: tn.Name, Labels: map[string]string{"example.com/fast-storage": "true"}},
				Spec: corev1.PodSpec{
					InitContainers: []corev1.Container{{Name: "init", Image: "registry.example/init:1"}},
					Containers: []corev1.Container{
						{Name: "app", Image: "registry.example/app:1"},
						// As OpenShift's SCC admission leaves a container before the webhook runs.
						{Name: "sidecar", Image: "registry.example/sidecar:1", SecurityContext: &corev1.SecurityContext{RunAsUser: ptr.To(int64(1000680000))}},
					},
				},
			}
			patched := applyDecision(t, pq, tn.Name, &pod)

			if got := admit(t, validator, admission.Create, ns, patched, nil); !got.allowed {
				t.Errorf("the hostPath policy refuses the webhook's own pod: %s", got)
			}
			var hostPaths []string
			for _, v := range patched.Spec.Volumes {
				if v.HostPath != nil {
					hostPaths = append(hostPaths, v.HostPath.Path)
				}
			}
			if len(hostPaths) != 1 || hostPaths[0] != "/var/mnt/supremeraid/vd0/"+tn.Name {
				t.Errorf("hostPath volumes %v, want the tenant directory only", hostPaths)
			}
			for _, c := range append(append([]corev1.Container{}, patched.Spec.InitContainers...), patched.Spec.Containers...) {
				if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].MountPath != "/scratch" {
					t.Errorf("container %s mounts %v, want the volume at /scratch", c.Name, c.VolumeMounts)
				}
			}
			own := sccs["graid-tenant-"+tn.Name]
			if why := sccRefuses(own, patched); why != "" {
				t.Errorf("the namespace's own SCC would refuse the patched pod: %s", why)
			}
			for name, other := range sccs {
				if name == own.Name || sameIDs(other, own) {
					continue
				}
				if sccRefuses(other, patched) == "" {
					t.Errorf("SCC %s (another tenant's ids) would admit %s's pod", name, tn.Name)
				}
			}
		})
	}
}

// applyDecision sends a pod CREATE through the policy and returns the pod with the patch
// applied; the decision must be an allow with a patch.
func applyDecision(t *testing.T, pq rego.PreparedEvalQuery, ns string, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	raw, err := json.Marshal(pod)
	if err != nil {
		t.Fatal(err)
	}
	review := map[string]any{
		"apiVersion": "admission.k8s.io/v1",
		"kind":       "AdmissionReview",
		"request": map[string]any{
			"uid":       "0b3c2a51-8f0e-4b76-9d1e-6a3f7f0c9e21",
			"kind":      map[string]any{"group": "", "version": "v1", "kind": "Pod"},
			"resource":  map[string]any{"group": "", "version": "v1", "resource": "pods"},
			"namespace": ns,
			"operation": "CREATE",
			"object":    json.RawMessage(raw),
		},
	}
	b, err := json.Marshal(review)
	if err != nil {
		t.Fatal(err)
	}
	var input any
	if err := json.Unmarshal(b, &input); err != nil {
		t.Fatal(err)
	}
	rs, err := pq.Eval(context.Background(), rego.EvalInput(input))
	if err != nil || len(rs) != 1 {
		t.Fatalf("policy decision: %v %v", rs, err)
	}
	resp := rs[0].Expressions[0].Value.(map[string]any)["response"].(map[string]any)
	if resp["allowed"] != true || resp["patch"] == nil {
		t.Fatalf("want an allow with a patch, got %v", resp)
	}
	ops, err := base64.StdEncoding.DecodeString(resp["patch"].(string))
	if err != nil {
		t.Fatal(err)
	}
	patch, err := jsonpatch.DecodePatch(ops)
	if err != nil {
		t.Fatal(err)
	}
	out, err := patch.Apply(raw)
	if err != nil {
		t.Fatalf("applying the webhook's patch: %v", err)
	}
	var patched corev1.Pod
	strictDecode(t, out, &patched)
	return &patched
}

// sccRefuses checks the pod against the SCC fields this project sets: user range, fsGroup and
// supplemental group ranges, and volume types. It is a consistency check between the generated
// SCC and the generated policy, not a reimplementation of OpenShift's SCC admission.
func sccRefuses(scc *securityv1.SecurityContextConstraints, pod *corev1.Pod) string {
	inRange := func(id int64, ranges []securityv1.IDRange) bool {
		for _, r := range ranges {
			if id >= r.Min && id <= r.Max {
				return true
			}
		}
		return false
	}
	psc := pod.Spec.SecurityContext
	if psc == nil || psc.RunAsUser == nil || psc.FSGroup == nil {
		return "the pod has no runAsUser or fsGroup"
	}
	uidOK := func(u int64) bool { return u >= *scc.RunAsUser.UIDRangeMin && u <= *scc.RunAsUser.UIDRangeMax }
	if !uidOK(*psc.RunAsUser) {
		return "pod runAsUser out of range"
	}
	for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		if c.SecurityContext != nil && c.SecurityContext.RunAsUser != nil && !uidOK(*c.SecurityContext.RunAsUser) {
			return "container " + c.Name + " runAsUser out of range"
		}
	}
	if !inRange(*psc.FSGroup, scc.FSGroup.Ranges) {
		return "fsGroup out of range"
	}
	for _, g := range psc.SupplementalGroups {
		if !inRange(g, scc.SupplementalGroups.Ranges) {
			return "supplemental group out of range"
		}
	}
	allowed := map[securityv1.FSType]bool{}
	for _, v := range scc.Volumes {
		allowed[v] = true
	}
	for _, v := range pod.Spec.Volumes {
		if v.HostPath != nil && (!allowed[securityv1.FSTypeHostPath] || !scc.AllowHostDirVolumePlugin) {
			return "hostPath not allowed"
		}
	}
	return ""
}

// sameIDs: two tenants configured with the same ids get SCCs that admit each other's pods,
// which grants nothing new.
func sameIDs(a, b *securityv1.SecurityContextConstraints) bool {
	key := func(s *securityv1.SecurityContextConstraints) string {
		b, _ := json.Marshal([]any{s.RunAsUser, s.FSGroup, s.SupplementalGroups})
		return string(b)
	}
	return key(a) == key(b)
}
