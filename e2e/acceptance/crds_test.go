package acceptance

import (
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// TestCRDsInstalled checks that every kind the product emits whose API is
// not built into kube-apiserver is served after setup, at the version the
// generators use.
func TestCRDsInstalled(t *testing.T) {
	_, applier := cluster(t)
	for _, gvk := range []schema.GroupVersionKind{
		{Group: "kmm.sigs.x-k8s.io", Version: "v1beta1", Kind: "Module"},
		{Group: "nvidia.com", Version: "v1", Kind: "ClusterPolicy"},
		{Group: "nfd.k8s-sigs.io", Version: "v1alpha1", Kind: "NodeFeatureRule"},
		{Group: "nfd.k8s-sigs.io", Version: "v1alpha1", Kind: "NodeFeature"},
		{Group: "nfd.k8s-sigs.io", Version: "v1alpha1", Kind: "NodeFeatureGroup"},
		{Group: "machineconfiguration.openshift.io", Version: "v1", Kind: "MachineConfig"},
		{Group: "machineconfiguration.openshift.io", Version: "v1", Kind: "MachineConfigPool"},
		{Group: "security.openshift.io", Version: "v1", Kind: "SecurityContextConstraints"},
		{Group: "image.openshift.io", Version: "v1", Kind: "ImageStream"},
		{Group: "build.openshift.io", Version: "v1", Kind: "BuildConfig"},
		{Group: "argoproj.io", Version: "v1alpha1", Kind: "Application"},
	} {
		if !applier.Served(gvk) {
			t.Errorf("%s is not served after installing e2e/testdata/crds", gvk)
		} else {
			t.Logf("served: %s", gvk)
		}
	}
	for _, r := range shared.crds {
		for _, w := range r.Warnings {
			// Upstream schemas, not ours: reported for information.
			t.Logf("warning installing %s: %s", r.Object.GetName(), w)
		}
	}
}
