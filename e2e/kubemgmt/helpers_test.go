package kubemgmt

import (
	"context"
	"os"
	"testing"

	"supremeraid.dev/supremeraid-fn/e2e/binaries"
	"supremeraid.dev/supremeraid-fn/e2e/controlplane"
	"supremeraid.dev/supremeraid-fn/e2e/helmchart"
	"supremeraid.dev/supremeraid-fn/e2e/opachart"
	"supremeraid.dev/supremeraid-fn/e2e/opaserver"
	"supremeraid.dev/supremeraid-fn/e2e/pki"
)

// realOPA starts the real OPA with the chart's defaults (authz on), without
// etcd or kube-apiserver: these tests talk to Kubernetes through fakes, and
// to OPA for real, since what matters is how OPA compiles what is loaded.
func realOPA(t *testing.T) *opaserver.Server {
	t.Helper()
	paths := binaries.Require(t, binaries.OPA)
	if paths == nil {
		return nil
	}
	data, err := os.ReadFile("../../generators/opa/testdata/chart/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v, err := opachart.Load(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := pki.NewCA("kubemgmt-test-ca")
	if err != nil {
		t.Fatal(err)
	}
	cp := &controlplane.ControlPlane{Dir: t.TempDir(), CA: ca}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(cp.LogTails(40))
		}
		_ = cp.Stop()
	})
	hp := binaries.Require(t, binaries.Helm)
	if hp == nil {
		return nil
	}
	root, err := binaries.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := helmchart.Template(context.Background(), hp[0], helmchart.ChartDir(root), "opa", "opa", nil)
	if err != nil {
		t.Fatal(err)
	}
	pod, _, err := helmchart.PodSpec(objs)
	if err != nil {
		t.Fatal(err)
	}
	s, err := opaserver.Start(context.Background(), cp, opaserver.Options{Binary: paths[0], Values: v, Pod: pod})
	if err != nil {
		t.Fatal(err)
	}
	return s
}
