package generators

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestToYAMLDropsSerialisationNoise: a typed DaemonSet serialises with creationTimestamp: null,
// status and empty structs; none may reach the output, but emptyDir: {} (a real volume source)
// and large integers must.
func TestToYAMLDropsSerialisationNoise(t *testing.T) {
	ds := &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{Name: "x"},
		Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{{Name: "c", Image: "i"}},
			Volumes:                       []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			TerminationGracePeriodSeconds: ptr(int64(1000000)),
		}}},
	}
	m, err := ToMap(ds)
	if err != nil {
		t.Fatal(err)
	}
	y, err := ToYAML(m)
	if err != nil {
		t.Fatal(err)
	}
	out := string(y)
	for _, bad := range []string{"creationTimestamp", "status", "resources: {}", "strategy", ": null", "1e+06"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{"emptyDir: {}", "terminationGracePeriodSeconds: 1000000"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestToMapNeedsTypeMeta(t *testing.T) {
	if _, err := ToMap(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}); err == nil {
		t.Error("an object without apiVersion and kind was accepted")
	}
}

func TestFamiliesOrder(t *testing.T) {
	var names []string
	for _, f := range Families() {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "base,nfd,machineconfig,nvidia,kmm,node,monitoring,opa,tenants" {
		t.Errorf("family order %s", got)
	}
}

func ptr[T any](v T) *T { return &v }
