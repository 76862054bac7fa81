// Package acceptance is the cluster e2e: a real etcd and kube-apiserver
// (package controlplane) with the upstream CRDs installed accept, with
// strict server-side apply, every manifest the project renders, and store
// every field as rendered.
package acceptance

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"supremeraid.dev/supremeraid-fn/e2e/apply"
	"supremeraid.dev/supremeraid-fn/e2e/binaries"
	"supremeraid.dev/supremeraid-fn/e2e/controlplane"
)

// crdDirs hold the CRDs installed before any test applies objects.
var crdDirs = []string{upstreamCRDDir, "../testdata/crds/generated", "../testdata/crds/minimal"}

// upstreamCRDDir is the repository's one copy of the upstream CRDs (see its PROVENANCE.md).
const upstreamCRDDir = "../../generators/internal/crdcheck/testdata/crds"

// olderVersion matches the older copies of a CRD kept there for shape tests
// (nvidia.com_clusterpolicies-v24.9.2.yaml): a CRD name is installed once, at the
// current version.
var olderVersion = regexp.MustCompile(`-v[0-9][0-9.]*\.yaml$`)

// readyTimeout bounds waits for startup and CRDs; a bound, not an assertion.
const readyTimeout = 2 * time.Minute

// shared is one control plane for the whole package: starting one costs
// seconds, and every test uses its own object names.
var shared struct {
	once    sync.Once
	cp      *controlplane.ControlPlane
	applier *apply.Applier
	crds    []apply.Result
	setup   string
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.cp != nil {
		if err := shared.cp.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping control plane:", err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// cluster returns the shared control plane with the testdata CRDs
// installed and Established, starting it on first use. Missing binaries
// skip the test, or fail it under SUPREMERAID_REQUIRE_TOOLS=1. If the test
// fails, the etcd and kube-apiserver log tails are printed.
func cluster(t *testing.T) (*controlplane.ControlPlane, *apply.Applier) {
	t.Helper()
	paths := binaries.Require(t, binaries.Etcd, binaries.KubeAPIServer)
	shared.once.Do(func() { shared.err = startShared(paths[0], paths[1]) })
	if shared.err != nil {
		t.Fatalf("control plane: %v", shared.err)
	}
	t.Log(shared.setup)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(shared.cp.LogTails(60))
		}
	})
	return shared.cp, shared.applier
}

func startShared(etcd, apiserver string) error {
	ctx := context.Background()
	began := time.Now()
	cp, err := controlplane.Start(ctx, controlplane.Options{Etcd: etcd, KubeAPIServer: apiserver, ReadyTimeout: readyTimeout})
	if err != nil {
		return err
	}
	shared.cp = cp
	applier, err := apply.NewApplier(cp.Config)
	if err != nil {
		return err
	}
	shared.applier = applier
	crds, err := loadCRDs()
	if err != nil {
		return err
	}
	crdBegan := time.Now()
	if shared.crds, err = applier.InstallCRDs(ctx, crds, readyTimeout); err != nil {
		return err
	}
	if err := createPlatformNamespaces(ctx, applier); err != nil {
		return err
	}
	shared.setup = fmt.Sprintf("control plane: etcd healthy in %v, kube-apiserver /readyz in %v, "+
		"%d CRDs Established and in discovery in %v (setup total %v)",
		round(cp.EtcdReady), round(cp.APIServerReady), len(shared.crds), round(time.Since(crdBegan)), round(time.Since(began)))
	return nil
}

// loadCRDs decodes every YAML file in crdDirs; each document must be a CRD.
func loadCRDs() ([]apply.Object, error) {
	var all []apply.Object
	for _, dir := range crdDirs {
		files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
		if err != nil {
			return nil, err
		}
		sort.Strings(files)
		for _, f := range files {
			if olderVersion.MatchString(f) {
				continue
			}
			objs, err := readObjects(f)
			if err != nil {
				return nil, err
			}
			for _, o := range objs {
				if !apply.IsCRD(o) {
					return nil, fmt.Errorf("%s: is a %s; only CustomResourceDefinitions belong in %s", o.Source, o.GetKind(), dir)
				}
			}
			all = append(all, objs...)
		}
	}
	return all, nil
}

func readObjects(path string) ([]apply.Object, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return apply.Decode(data, filepath.ToSlash(path))
}

// applyAll applies objs in dependency order (CRDs installed and waited for
// first) and checks each: accepted under strict validation, no warnings,
// the apply response and a fresh GET both hold every applied field. Then it
// applies everything again and checks that nothing changed (the second
// apply is a no-op: resourceVersion is unchanged). Every problem is
// reported, not just the first.
func applyAll(t *testing.T, applier *apply.Applier, objs []apply.Object) {
	t.Helper()
	ctx := context.Background()
	ordered := apply.Order(objs)
	if _, err := applier.InstallCRDs(ctx, ordered, readyTimeout); err != nil {
		t.Fatalf("installing CRDs from the applied set: %v", err)
	}
	versions := map[string]string{}
	for _, obj := range ordered {
		if apply.IsCRD(obj) {
			continue
		}
		res, err := applier.Apply(ctx, obj)
		if err != nil {
			t.Errorf("REJECTED %v", err)
			continue
		}
		ok := checkStored(t, res, res.Stored, "apply response")
		got, err := applier.Get(ctx, obj)
		if err != nil {
			t.Errorf("%s: %v", obj.ID(), err)
			continue
		}
		ok = checkStored(t, res, got, "read back") && ok
		for _, w := range res.Warnings {
			t.Errorf("WARNING %s (%s): %s", obj.ID(), obj.Source, w)
			ok = false
		}
		versions[obj.ID()] = got.GetResourceVersion()
		if ok {
			t.Logf("accepted and stored as applied: %s (%d fields compared)", obj.ID(), res.Fields())
		}
	}
	if t.Failed() {
		return
	}
	for _, obj := range ordered {
		if apply.IsCRD(obj) {
			continue
		}
		res, err := applier.Apply(ctx, obj)
		if err != nil {
			t.Errorf("second apply REJECTED %v", err)
			continue
		}
		if rv := res.Stored.GetResourceVersion(); rv != versions[obj.ID()] {
			t.Errorf("%s: applying the same manifest again changed the object (resourceVersion %s -> %s)",
				obj.ID(), versions[obj.ID()], rv)
		}
	}
	t.Logf("second apply of %d objects changed nothing", len(versions))
}

func checkStored(t *testing.T, res apply.Result, stored *unstructured.Unstructured, what string) bool {
	t.Helper()
	diffs := res.Check(stored)
	for _, d := range diffs {
		t.Errorf("DROPPED/CHANGED %s (%s) in %s: %s", res.Object.ID(), res.Object.Source, what, d)
	}
	return len(diffs) == 0
}

func round(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
