package apply

import (
	"context"
	"os"
	"sync"
	"testing"

	"supremeraid.dev/supremeraid-fn/e2e/binaries"
	"supremeraid.dev/supremeraid-fn/e2e/controlplane"
)

// The Applier's server-facing behaviour is tested against a real API
// server; one serves the whole package.
var shared struct {
	once    sync.Once
	cp      *controlplane.ControlPlane
	applier *Applier
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.cp != nil {
		if err := shared.cp.Stop(); err != nil && code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func server(t *testing.T) *Applier {
	t.Helper()
	paths := binaries.Require(t, binaries.Etcd, binaries.KubeAPIServer)
	shared.once.Do(func() {
		shared.cp, shared.err = controlplane.Start(context.Background(), controlplane.Options{Etcd: paths[0], KubeAPIServer: paths[1]})
		if shared.err == nil {
			shared.applier, shared.err = NewApplier(shared.cp.Config)
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(shared.cp.LogTails(40))
		}
	})
	return shared.applier
}

func mustDecode(t *testing.T, doc string) []Object {
	t.Helper()
	objs, err := Decode([]byte(doc), t.Name())
	if err != nil {
		t.Fatal(err)
	}
	return objs
}
