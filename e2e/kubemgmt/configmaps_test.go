package kubemgmt

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"supremeraid.dev/supremeraid-fn/e2e/opachart"
)

var mgmt = opachart.Mgmt{Namespaces: []string{"opa"}, EnablePolicies: true, EnableData: true, ReplicatePath: "kubernetes"}

func configMap(ns, name string, labels, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels}, Data: data}
}

var policyLabel = map[string]string{opachart.PolicyLabel: opachart.PolicyValue}

// chain returns n modules of one package, k<i>.rego, each using a rule of the
// next one in sorted order, so loading them one by one in sorted order
// needs n passes.
func chain(n int) map[string]string {
	data := map[string]string{}
	for i := range n {
		body := fmt.Sprintf("package chain\n\nr%d := r%d\n", i, i+1)
		if i == n-1 {
			body = fmt.Sprintf("package chain\n\nr%d := %d\n", i, i)
		}
		data[fmt.Sprintf("k%d.rego", i)] = body
	}
	return data
}

// TestLoadConfigMapsPasses: kube-mgmt loads keys one by one in sorted order
// and retries a failed ConfigMap twice. A chain of 3 dependent modules
// loads on the 3rd pass; one of 4 never does, and the ConfigMap says so.
func TestLoadConfigMapsPasses(t *testing.T) {
	tests := []struct {
		name       string
		reason     string
		modules    int
		wantPasses int
		wantOK     bool
	}{
		{"independent", "one module loads on the first pass", 1, 1, true},
		{"chain of 3", "the last retry kube-mgmt makes", 3, 3, true},
		{"chain of 4", "needs a 4th pass that kube-mgmt never makes", 4, 3, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opa := realOPA(t)
			if opa == nil {
				return
			}
			kube := fake.NewClientset(configMap("opa", "policy", policyLabel, chain(tc.modules)))
			loaded, err := LoadConfigMaps(context.Background(), kube, opa, mgmt)
			if err != nil {
				t.Fatal(err)
			}
			if len(loaded) != 1 {
				t.Fatalf("loaded %d ConfigMaps, want 1", len(loaded))
			}
			l := loaded[0]
			if l.Passes != tc.wantPasses || l.OK() != tc.wantOK {
				t.Errorf("passes %d ok %v (errors %v), want %d and %v (%s)", l.Passes, l.OK(), l.Errors, tc.wantPasses, tc.wantOK, tc.reason)
			}
			cm, err := kube.CoreV1().ConfigMaps("opa").Get(context.Background(), "policy", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			status, retries := cm.Annotations[StatusAnnotation], cm.Annotations[RetriesAnnotation]
			if tc.wantOK && (status != `{"status":"ok"}` || retries != "0") {
				t.Errorf("annotations %s=%s %s=%s, want ok and 0", StatusAnnotation, status, RetriesAnnotation, retries)
			}
			if !tc.wantOK && (!strings.HasPrefix(status, `{"error":`) || !strings.Contains(status, `"status":"error"`) || retries != "0") {
				t.Errorf("annotations %s=%s %s=%s, want an error status and retries used up", StatusAnnotation, status, RetriesAnnotation, retries)
			}
			if tc.wantOK {
				var r0 int
				if err := opa.Data(context.Background(), "chain/r0", &r0); err != nil || r0 != tc.modules-1 {
					t.Errorf("data.chain.r0 = %d, %v; want %d", r0, err, tc.modules-1)
				}
			}
		})
	}
}

// TestLoadConfigMapsSelects: only labelled ConfigMaps in the mgmt
// namespaces are loaded; data ConfigMaps become data at
// <namespace>/<name>/<key>, policies get ids <namespace>/<name>/<key>.
func TestLoadConfigMapsSelects(t *testing.T) {
	opa := realOPA(t)
	if opa == nil {
		return
	}
	kube := fake.NewClientset(
		configMap("opa", "b-policy", policyLabel, map[string]string{"p.rego": "package p\n\nx := 1\n"}),
		configMap("opa", "a-data", map[string]string{opachart.DataLabel: opachart.DataValue}, map[string]string{"d.json": `{"k": "v"}`}),
		configMap("opa", "unlabelled", nil, map[string]string{"u.rego": "package u\n"}),
		configMap("elsewhere", "policy", policyLabel, map[string]string{"e.rego": "package e\n"}),
	)
	loaded, err := LoadConfigMaps(context.Background(), kube, opa, mgmt)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range loaded {
		got = append(got, fmt.Sprintf("%s/%s policy=%v %v ok=%v", l.Namespace, l.Name, l.Policy, l.IDs, l.OK()))
	}
	want := []string{"opa/a-data policy=false [opa/a-data/d.json] ok=true", "opa/b-policy policy=true [opa/b-policy/p.rego] ok=true"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("loaded\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	var d map[string]string
	if err := opa.Data(context.Background(), "opa/a-data/d.json", &d); err != nil || d["k"] != "v" {
		t.Errorf("data.opa[\"a-data\"][\"d.json\"] = %v, %v", d, err)
	}
	ids, err := opa.PolicyIDs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if strings.Contains(id, "unlabelled") || strings.Contains(id, "elsewhere") {
			t.Errorf("policy %s loaded from a ConfigMap kube-mgmt would ignore", id)
		}
	}
}

func TestNextRetries(t *testing.T) {
	tests := []struct {
		current string
		present bool
		want    int
		reason  string
	}{
		{"", false, 2, "first failure: two retries"},
		{"2", true, 1, "count down"},
		{"1", true, 0, "last retry used"},
		{"0", true, 2, "a ConfigMap that loaded before and fails now starts over"},
		{"x", true, 0, "an unreadable count stops retrying"},
	}
	for _, tc := range tests {
		if got := nextRetries(tc.current, tc.present); got != tc.want {
			t.Errorf("nextRetries(%q, %v) = %d, want %d (%s)", tc.current, tc.present, got, tc.want, tc.reason)
		}
	}
}
