package admission

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// testFailClosed stops every OPA replica: pod creation in tenant namespaces is refused
// (failurePolicy Fail from the values), with or without the opt-in label,
// and nothing is stored; namespaces outside the selector are not affected.
func testFailClosed(t *testing.T, e *env) {
	for _, o := range e.opas {
		if !o.Running() {
			continue
		}
		if err := o.Stop(); err != nil {
			t.Fatalf("stopping OPA: %v", err)
		}
		if o.Running() {
			t.Fatal("OPA still running after Stop")
		}
	}
	t.Logf("every OPA replica stopped")
	ctx := context.Background()
	ts := tenantNames(e)
	refused := []*corev1.Pod{
		newPod(ts[0], "down-opted-in", optIn()),
		newPod(ts[1], "down-opted-in", optIn()),
		newPod(ts[0], "down-no-label", nil),
	}
	for _, p := range refused {
		_, err := e.create(ctx, p, false)
		switch {
		case err == nil:
			t.Errorf("%s/%s was created with OPA down: the webhook does not fail closed", p.Namespace, p.Name)
		case !strings.Contains(err.Error(), `failed calling webhook "`+webhookEntryName+`"`):
			t.Errorf("%s/%s refused, but not for the unreachable webhook: %v", p.Namespace, p.Name, err)
		default:
			t.Logf("PASS (c) fail closed: %s/%s refused: %v", p.Namespace, p.Name, err)
		}
		if _, gerr := e.kube.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{}); !apierrors.IsNotFound(gerr) {
			t.Errorf("%s/%s is stored (get: %v)", p.Namespace, p.Name, gerr)
		}
	}
	admitted := []*corev1.Pod{
		newPod(plainNS, "down-opted-in", optIn()),
		newPod(halfLabelled, "down-opted-in", optIn()),
		newPod(metav1.NamespaceSystem, "down-opted-in", optIn()),
	}
	for _, p := range admitted {
		stored, err := e.create(ctx, p, false)
		if err != nil {
			t.Errorf("blast radius: %s/%s refused with OPA down, want created: %v", p.Namespace, p.Name, err)
			continue
		}
		if findVolume(stored, volumeName) != nil {
			t.Errorf("%s/%s got the volume", p.Namespace, p.Name)
			continue
		}
		t.Logf("PASS (c) blast radius: %s/%s created with OPA down", p.Namespace, p.Name)
	}
}
