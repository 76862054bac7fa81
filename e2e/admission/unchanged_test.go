package admission

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// testUnchanged: each pod is stored exactly as the API server stores it
// without the webhook (its dry-run before the webhook was registered), and
// OPA was asked only where the namespaceSelector lets the webhook in.
func testUnchanged(t *testing.T, e *env) {
	ctx := context.Background()
	for _, c := range unchangedCases(e) {
		p := c.pod
		t.Run(p.Namespace+"/"+p.Name, func(t *testing.T) {
			before := e.decisions(t)
			if _, err := e.create(ctx, p, false); err != nil {
				t.Fatalf("creating %s (%s): %v", p.Name, c.reason, err)
			}
			calls := e.callsSince(t, before, c.calls).Calls
			stored, err := e.kube.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if calls != c.calls {
				t.Errorf("the API server called OPA %d times for this create, want %d (%s)", calls, c.calls, c.reason)
			}
			changes, err := specChanges(e.baselines[p.Namespace+"/"+p.Name], stored)
			if err != nil {
				t.Fatal(err)
			}
			if len(changes) > 0 {
				var lines []string
				for _, ch := range changes {
					lines = append(lines, ch.String())
				}
				t.Errorf("stored pod differs from the same pod stored without the webhook (%s):\n  %s", c.reason, strings.Join(lines, "\n  "))
			}
			if findVolume(stored, volumeName) != nil {
				t.Errorf("pod got volume %s", volumeName)
			}
			if t.Failed() {
				return
			}
			t.Logf("PASS (b) %s/%s stored unchanged (%s); OPA called %d time(s)", p.Namespace, p.Name, c.reason, calls)
		})
	}
}
