package apply

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

func TestApplyStoresAndReportsWarnings(t *testing.T) {
	a := server(t)
	ctx := context.Background()
	objs := mustDecode(t, `apiVersion: v1
kind: Namespace
metadata: {name: apply-warn}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: old-label, namespace: apply-warn}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      nodeSelector: {beta.kubernetes.io/arch: amd64}
      containers: [{name: c, image: x}]
`)
	for _, o := range objs {
		res, err := a.Apply(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if d := res.Check(res.Stored); len(d) != 0 {
			t.Errorf("%s: %v", o.ID(), d)
		}
		switch o.GetKind() {
		case "Namespace":
			if len(res.Warnings) != 0 {
				t.Errorf("a plain Namespace drew warnings %v; warnings must be per object, not accumulated", res.Warnings)
			}
		case "DaemonSet":
			if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "beta.kubernetes.io/arch") {
				t.Errorf("the deprecated node label must come back as this object's warning, got %q", res.Warnings)
			}
			managers := res.Stored.GetManagedFields()
			if len(managers) != 1 || managers[0].Manager != FieldManager || managers[0].Operation != metav1.ManagedFieldsOperationApply {
				t.Errorf("managed fields = %+v, want one Apply entry by %s", managers, FieldManager)
			}
		}
	}
}

// TestApplyDoesNotForceConflicts: the e2e never takes fields from another
// manager; a conflict means two writers disagree and must surface.
func TestApplyDoesNotForceConflicts(t *testing.T) {
	a := server(t)
	ctx := context.Background()
	objs := mustDecode(t, `apiVersion: v1
kind: Namespace
metadata: {name: apply-conflict}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: owned, namespace: apply-conflict}
data: {mode: "0770"}
`)
	if _, err := a.Apply(ctx, objs[0]); err != nil {
		t.Fatal(err)
	}
	other := `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"owned","namespace":"apply-conflict"},"data":{"mode":"0700"}}`
	cms := a.Dynamic.Resource(schema.GroupVersionResource{Version: "v1", Resource: "configmaps"}).Namespace("apply-conflict")
	if _, err := cms.Patch(ctx, "owned", types.ApplyPatchType, []byte(other), metav1.PatchOptions{FieldManager: "someone-else"}); err != nil {
		t.Fatal(err)
	}
	_, err := a.Apply(ctx, objs[1])
	if err == nil || !strings.Contains(err.Error(), "conflict") || !strings.Contains(err.Error(), "someone-else") {
		t.Errorf("apply over another manager's field: err = %v, want a conflict naming someone-else", err)
	}
}
