package apply

import (
	"context"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

const widgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.e2e.supremeraid.dev}
spec:
  group: e2e.supremeraid.dev
  names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
  scope: Cluster
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
`

func TestInstallCRDsWaitsUntilServed(t *testing.T) {
	a := server(t)
	gvk := schema.GroupVersionKind{Group: "e2e.supremeraid.dev", Version: "v1", Kind: "Widget"}
	objs := mustDecode(t, widgetCRD+`---
apiVersion: v1
kind: ConfigMap
metadata: {name: not-a-crd, namespace: default}
`)
	results, err := a.InstallCRDs(context.Background(), objs, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 1 {
		t.Errorf("InstallCRDs applied %d objects, want only the 1 CRD", len(results))
	}
	if !a.Served(gvk) {
		t.Fatalf("%s not served right after InstallCRDs returned", gvk)
	}
	res, err := a.Apply(context.Background(), mustDecode(t, "apiVersion: e2e.supremeraid.dev/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: 3}\n")[0])
	if err != nil {
		t.Fatalf("a custom resource must apply right after its CRD is installed: %v", err)
	}
	if d := res.Check(res.Stored); len(d) != 0 {
		t.Errorf("widget: %v", d)
	}
}

// TestInstallCRDsReportsNamesConflict installs a second CRD claiming the
// kind Widget: it is stored but never NamesAccepted, and the error must
// say so instead of only timing out.
func TestInstallCRDsReportsNamesConflict(t *testing.T) {
	a := server(t)
	if _, err := a.InstallCRDs(context.Background(), mustDecode(t, widgetCRD), time.Minute); err != nil {
		t.Fatal(err)
	}
	clash := strings.NewReplacer(
		"widgets.e2e", "gadgets.e2e", "plural: widgets", "plural: gadgets", "singular: widget", "singular: gadget",
	).Replace(widgetCRD)
	// A short bound: the condition is False at once and never changes.
	_, err := a.InstallCRDs(context.Background(), mustDecode(t, clash), 3*time.Second)
	if err == nil || !strings.Contains(err.Error(), `NamesAccepted="False"`) || !strings.Contains(err.Error(), "Widget") {
		t.Errorf("conflicting CRD: err = %v, want NamesAccepted=False naming the kind", err)
	} else {
		t.Logf("reported as expected: %v", err)
	}
}
