package apply

import (
	"strings"
	"testing"
)

func TestOrder(t *testing.T) {
	input := `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: vap}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: ds, namespace: ns}
---
apiVersion: kmm.sigs.x-k8s.io/v1beta1
kind: Module
metadata: {name: graid, namespace: ns}
---
apiVersion: v1
kind: Namespace
metadata: {name: ns}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: modules.kmm.sigs.x-k8s.io}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: sa, namespace: ns}
---
apiVersion: v1
kind: Namespace
metadata: {name: tenant}
`
	objs, err := Decode([]byte(input), "order")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range Order(objs) {
		got = append(got, o.GetKind()+"/"+o.GetName())
	}
	want := []string{
		"CustomResourceDefinition/modules.kmm.sigs.x-k8s.io", // before any custom resource
		"Namespace/ns", "Namespace/tenant", // before namespaced objects, input order kept
		"DaemonSet/ds", "Module/graid", "ServiceAccount/sa", // rendered order kept
		"ValidatingAdmissionPolicy/vap", // admission last: must not intercept its siblings
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("order:\n got %v\nwant %v", got, want)
	}
	if objs[0].GetKind() != "ValidatingAdmissionPolicy" {
		t.Errorf("Order must not reorder its input slice in place")
	}
}
