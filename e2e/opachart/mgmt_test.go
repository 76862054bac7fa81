package opachart

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestParseResource(t *testing.T) {
	tests := []struct {
		in, reason string
		want       schema.GroupVersionResource
		ok         bool
	}{
		{"v1/namespaces", "core group", schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}, true},
		{"apps/v1/deployments", "named group", schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}, true},
		{"namespaces", "no version", schema.GroupVersionResource{}, false},
		{"v1//namespaces", "empty part", schema.GroupVersionResource{}, false},
		{"a/b/c/d", "too many parts", schema.GroupVersionResource{}, false},
	}
	for _, tc := range tests {
		got, err := ParseResource(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseResource(%q) = %v, %v; want %v, ok=%v (%s)", tc.in, got, err, tc.want, tc.ok, tc.reason)
		}
	}
}

func TestMgmtSettings(t *testing.T) {
	m, err := MgmtSettings(loadWith(t, ""), "release-ns")
	if err != nil {
		t.Fatal(err)
	}
	want := Mgmt{
		Namespaces:       []string{"opa"},
		EnablePolicies:   true,
		EnableData:       true, // chart default
		ReplicatePath:    "kubernetes",
		ReplicateCluster: []schema.GroupVersionResource{{Version: "v1", Resource: "namespaces"}},
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("MgmtSettings = %+v, want %+v", m, want)
	}
	m, err = MgmtSettings(loadWith(t, "mgmt: {namespaces: []}\n"), "release-ns")
	if err != nil || !reflect.DeepEqual(m.Namespaces, []string{"release-ns"}) {
		t.Errorf("empty mgmt.namespaces: got %v, %v; want the release namespace (the chart's coalesce)", m.Namespaces, err)
	}
}

func TestMgmtSettingsRefuses(t *testing.T) {
	tests := []struct{ name, reason, extra, want string }{
		{"disabled", "nothing loads the policy", "mgmt: {enabled: false}\n", "mgmt.enabled is false"},
		{"namespaced", "not replicated by the harness", "mgmt: {replicate: {namespace: [v1/pods]}}\n", "cluster-scoped resources only"},
		{"bad resource", "the notation is checked", "mgmt: {replicate: {cluster: [namespaces]}}\n", "mgmt.replicate.cluster[0]"},
		{"extra args", "they could change labels or paths", "mgmt: {extraArgs: [--policy-label=x]}\n", "mgmt.extraArgs"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MgmtSettings(loadWith(t, tc.extra), "ns")
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("MgmtSettings = %v, want an error containing %q (%s)", err, tc.want, tc.reason)
			}
		})
	}
}
