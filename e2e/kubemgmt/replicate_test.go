package kubemgmt

import (
	"context"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	dynamicfake "k8s.io/client-go/dynamic/fake"
)

// TestReplicateCluster: namespaces land at data.kubernetes.namespaces[name]
// as whole objects, labels and annotations included, where the policy reads
// them.
func TestReplicateCluster(t *testing.T) {
	opa := realOPA(t)
	if opa == nil {
		return
	}
	scheme := runtime.NewScheme()
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	ns := func(name string, labels, ann map[string]string) *corev1.Namespace {
		return &corev1.Namespace{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Annotations: ann},
		}
	}
	dyn := dynamicfake.NewSimpleDynamicClient(scheme,
		ns("project1", map[string]string{"openpolicyagent.org/webhook": "enabled"}, map[string]string{"supremeraid.dev/run-as-user": "1000"}),
		ns("default", nil, nil),
	)
	m := mgmt
	m.ReplicateCluster = []schema.GroupVersionResource{{Version: "v1", Resource: "namespaces"}}
	got, err := ReplicateCluster(context.Background(), dyn, opa, m)
	if err != nil {
		t.Fatal(err)
	}
	want := []Replicated{{Path: "kubernetes/namespaces", Names: []string{"default", "project1"}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("replicated %+v, want %+v", got, want)
	}
	var obj struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
	}
	if err := opa.Data(context.Background(), "kubernetes/namespaces/project1", &obj); err != nil {
		t.Fatal(err)
	}
	if obj.Kind != "Namespace" || obj.Metadata.Labels["openpolicyagent.org/webhook"] != "enabled" || obj.Metadata.Annotations["supremeraid.dev/run-as-user"] != "1000" {
		t.Errorf("data.kubernetes.namespaces.project1 = %+v, want the whole Namespace with its labels and annotations", obj)
	}
}
