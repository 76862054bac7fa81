package acceptance

import (
	"testing"
)

// TestFixtureApplies proves the harness on hand-written objects of every
// family the product emits (built-in kinds and each installed CRD), before
// and independently of the generator's output.
func TestFixtureApplies(t *testing.T) {
	_, applier := cluster(t)
	objs, err := readObjects("testdata/fixture.yaml")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, o := range objs {
		kinds[o.GetKind()] = true
	}
	// The fixture is only a proof if it exercises every installed CRD kind
	// the product emits; keep this list in step with the fixture.
	for _, k := range []string{"Module", "NodeFeatureRule", "ClusterPolicy", "MachineConfig", "MachineConfigPool",
		"SecurityContextConstraints", "Application", "DaemonSet", "ValidatingAdmissionPolicy"} {
		if !kinds[k] {
			t.Errorf("testdata/fixture.yaml has no %s", k)
		}
	}
	applyAll(t, applier, objs)
}
