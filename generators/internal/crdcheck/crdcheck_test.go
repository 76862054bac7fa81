package crdcheck

import (
	"strings"
	"testing"
)

// TestCheck proves the checker can fail: each broken object must produce an error naming the
// field, and a minimal valid object must pass.
func TestCheck(t *testing.T) {
	cases := map[string]struct {
		reason  string
		crd     string
		obj     string
		wantErr string // substring of the joined errors; "" means valid
	}{
		"valid MachineConfig": {
			reason: "a minimal MachineConfig is accepted",
			crd:    "machineconfiguration.openshift.io_machineconfigs.yaml",
			obj:    "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata: {name: 99-x}\nspec:\n  kernelArguments: [iommu=pt]\n",
		},
		"unknown field is pruned": {
			reason:  "a field the schema lacks would be dropped by the server: that is an error here",
			crd:     "machineconfiguration.openshift.io_machineconfigs.yaml",
			obj:     "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata: {name: 99-x}\nspec:\n  kernelArgs: [iommu=pt]\n",
			wantErr: "spec.kernelArgs",
		},
		"wrong type": {
			reason:  "schema validation runs",
			crd:     "machineconfiguration.openshift.io_machineconfigs.yaml",
			obj:     "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata: {name: 99-x}\nspec:\n  kernelArguments: iommu=pt\n",
			wantErr: "spec.kernelArguments",
		},
		"namespace on a cluster-scoped object": {
			reason:  "scope is checked",
			crd:     "machineconfiguration.openshift.io_machineconfigs.yaml",
			obj:     "apiVersion: machineconfiguration.openshift.io/v1\nkind: MachineConfig\nmetadata: {name: 99-x, namespace: default}\nspec: {}\n",
			wantErr: "metadata.namespace",
		},
		"KMM Module CEL or schema rule": {
			reason:  "a Module without moduleLoader.container.kernelMappings violates the schema",
			crd:     "kmm.sigs.x-k8s.io_modules.yaml",
			obj:     "apiVersion: kmm.sigs.x-k8s.io/v1beta1\nkind: Module\nmetadata: {name: m, namespace: ns}\nspec:\n  selector: {a: b}\n  moduleLoader:\n    container:\n      modprobe: {moduleName: graid}\n",
			wantErr: "kernelMappings",
		},
		"multi-document CRD file": {
			reason: "the NFD file holds several CRDs; the right one is found",
			crd:    "nfd.k8s-sigs.io_crds.yaml",
			obj:    "apiVersion: nfd.k8s-sigs.io/v1alpha1\nkind: NodeFeatureRule\nmetadata: {name: r}\nspec:\n  rules:\n  - name: r\n    labels: {a: b}\n    matchFeatures:\n    - feature: pci.device\n      matchExpressions:\n        vendor: {op: In, value: ['10de']}\n",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			errs, err := Check(tc.crd, []byte(tc.obj))
			if err != nil {
				t.Fatal(err)
			}
			joined := errs.ToAggregate()
			switch {
			case tc.wantErr == "" && joined != nil:
				t.Errorf("%s\nunexpected errors: %v", tc.reason, joined)
			case tc.wantErr != "" && (joined == nil || !strings.Contains(joined.Error(), tc.wantErr)):
				t.Errorf("%s\nerrors %v do not mention %q", tc.reason, joined, tc.wantErr)
			}
		})
	}
}
