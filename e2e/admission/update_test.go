package admission

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// updatePodName is the pod both update subtests change.
const updatePodName = "update-me"

// updatePod changes a stored pod twice, as UPDATE requests: a PUT of the
// whole object with a new annotation, then a merge PATCH of a label. It
// returns an error if either is refused or does not stick.
func updatePod(ctx context.Context, e *env, namespace, round string) error {
	pods := e.kube.CoreV1().Pods(namespace)
	p, err := pods.Get(ctx, updatePodName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if p.Annotations == nil {
		p.Annotations = map[string]string{}
	}
	p.Annotations["example.com/round"] = round
	if _, err := pods.Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("PUT (update) of annotations: %w", err)
	}
	patch := fmt.Sprintf(`{"metadata":{"labels":{"example.com/round":%q}}}`, round)
	got, err := pods.Patch(ctx, updatePodName, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	if err != nil {
		return fmt.Errorf("PATCH of labels: %w", err)
	}
	if got.Annotations["example.com/round"] != round || got.Labels["example.com/round"] != round {
		return fmt.Errorf("the updates did not stick: annotations %v, labels %v", got.Annotations, got.Labels)
	}
	return nil
}

// testUpdateNotIntercepted: with OPA up, updating an opted-in pod in a
// tenant namespace makes no webhook call (OPA's request counter does not
// move), while a create right after does (the counter works).
func testUpdateNotIntercepted(t *testing.T, e *env) {
	ctx := context.Background()
	ns := tenantNames(e)[0]
	created := e.decisions(t)
	if _, err := e.create(ctx, newPod(ns, updatePodName, optIn()), false); err != nil {
		t.Fatal(err)
	}
	if calls := e.callsSince(t, created, 1).Calls; calls != 1 {
		t.Fatalf("creating the pod called OPA %d times, want 1", calls)
	}
	before := e.decisions(t)
	if err := updatePod(ctx, e, ns, "1"); err != nil {
		t.Fatal(err)
	}
	after := e.decisions(t)
	if calls := after.Sub(before).Calls; calls != 0 {
		t.Errorf("an UPDATE (PUT) and a PATCH of pod %s/%s called OPA %d times, want 0: the webhook intercepts updates", ns, updatePodName, calls)
	}
	if _, err := e.create(ctx, newPod(ns, "update-control", optIn()), false); err != nil {
		t.Fatal(err)
	}
	if calls := e.callsSince(t, after, 1).Calls; calls != 1 {
		t.Fatalf("control: a CREATE right after called OPA %d times, want 1; the counter cannot tell", calls)
	}
	if !t.Failed() {
		t.Logf("PASS (d) UPDATE (PUT of annotations) and PATCH (labels) of %s/%s: 0 OPA calls; a CREATE right after: 1 call", ns, updatePodName)
	}
}

// testUpdateWithoutOPA: with OPA stopped, creates in the tenant namespace
// fail (the webhook is failing closed right now), yet the same pod can still
// be updated: the API server does not call the webhook for UPDATE.
func testUpdateWithoutOPA(t *testing.T, e *env) {
	for _, o := range e.opas {
		if o.Running() {
			t.Fatal("OPA is still running; the fail-closed subtest stops it first")
		}
	}
	ctx := context.Background()
	ns := tenantNames(e)[0]
	if _, err := e.create(ctx, newPod(ns, "update-probe", nil), true); err == nil {
		t.Fatalf("a dry-run create in %s succeeded with OPA stopped: the webhook is not failing closed, so this proves nothing", ns)
	}
	if err := updatePod(ctx, e, ns, "2"); err != nil {
		t.Fatalf("with OPA stopped, updating %s/%s failed: the webhook intercepts updates: %v", ns, updatePodName, err)
	}
	p, err := e.kube.CoreV1().Pods(ns).Get(ctx, updatePodName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if findVolume(p, volumeName) == nil || !hasMount(p) {
		t.Errorf("the updated pod lost its volume or mounts: %+v", p.Spec)
	}
	t.Logf("PASS (d) with OPA stopped (a dry-run create in %s is refused), UPDATE and PATCH of %s/%s succeed", ns, ns, updatePodName)
}

func hasMount(p *corev1.Pod) bool {
	for _, c := range p.Spec.Containers {
		for _, m := range c.VolumeMounts {
			if m.Name == volumeName {
				return true
			}
		}
	}
	return false
}
