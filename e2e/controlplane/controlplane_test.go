package controlplane

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"supremeraid.dev/supremeraid-fn/e2e/binaries"
)

// One control plane serves the read-only tests of this package; tests that
// stop or break one start their own.
var shared struct {
	once sync.Once
	cp   *ControlPlane
	err  error
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

func sharedControlPlane(t *testing.T) *ControlPlane {
	t.Helper()
	paths := binaries.Require(t, binaries.Etcd, binaries.KubeAPIServer)
	shared.once.Do(func() {
		shared.cp, shared.err = Start(context.Background(), Options{Etcd: paths[0], KubeAPIServer: paths[1]})
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	t.Logf("etcd healthy in %v, kube-apiserver /readyz in %v", shared.cp.EtcdReady, shared.cp.APIServerReady)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(shared.cp.LogTails(40))
		}
	})
	return shared.cp
}

// TestForTestStopsAndCleansUp uses the ForTest entry point in a subtest and
// checks, after the subtest ended, that its processes are gone and its
// directory removed.
func TestForTestStopsAndCleansUp(t *testing.T) {
	binaries.Require(t, binaries.Etcd, binaries.KubeAPIServer)
	var cp *ControlPlane
	var backend *Process
	t.Run("run", func(t *testing.T) {
		cp = ForTest(t, Options{})
		var err error
		// A stand-in for a webhook backend: any long-running process
		// started through the control plane must share its teardown.
		backend, err = cp.StartProcess("backend", "/bin/sleep", "300")
		if err != nil {
			t.Fatal(err)
		}
		quitter, err := cp.StartProcess("quitter", "/bin/sh", "-c", "echo giving up; exit 2")
		if err != nil {
			t.Fatal(err)
		}
		err = quitter.WaitReady(context.Background(), http.DefaultClient, "http://127.0.0.1:1/healthz")
		if err == nil || !strings.Contains(err.Error(), "quitter exited early") || !strings.Contains(err.Error(), "giving up") {
			t.Errorf("WaitReady on a backend that died: err = %v, want its exit and log tail", err)
		}
		for _, name := range []string{"etcd.log", "kube-apiserver.log", "backend.log", "quitter.log"} {
			if _, err := os.Stat(filepath.Join(cp.Dir, name)); err != nil {
				t.Errorf("log %s: %v", name, err)
			}
		}
	})
	if cp == nil {
		t.Fatal("ForTest returned no control plane")
	}
	if _, err := os.Stat(cp.Dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%s still exists after the test ended (err=%v)", cp.Dir, err)
	}
	cp.mu.Lock()
	defer cp.mu.Unlock()
	for _, p := range cp.procs {
		if p.running() {
			t.Errorf("%s still running after the test ended", p.name)
		}
	}
	if backend.Running() {
		t.Errorf("a process added with StartProcess survived teardown")
	}
}

func TestStartRefusesAnotherVersion(t *testing.T) {
	paths := binaries.Require(t, binaries.Etcd, binaries.KubeAPIServer)
	// etcd posing as kube-apiserver: a real binary whose --version is not
	// Kubernetes v1.34.2, as a stale or foreign bin/kube-apiserver would be.
	_, err := Start(context.Background(), Options{Etcd: paths[0], KubeAPIServer: paths[0]})
	if err == nil || !strings.Contains(err.Error(), `want "Kubernetes v1.34.2"`) || !strings.Contains(err.Error(), "make tools-e2e") {
		t.Errorf("Start with a wrong kube-apiserver = %v, want a version error that says how to rebuild", err)
	}
}

func TestStartFailureReportsTheLog(t *testing.T) {
	paths := binaries.Require(t, binaries.Etcd, binaries.KubeAPIServer)
	_, err := Start(context.Background(), Options{
		Etcd: paths[0], KubeAPIServer: paths[1],
		ExtraAPIServerArgs: []string{"--no-such-flag"},
	})
	if err == nil {
		t.Fatal("kube-apiserver with an unknown flag must fail to start")
	}
	for _, want := range []string{"kube-apiserver exited early", "unknown flag: --no-such-flag"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("start error does not contain %q:\n%v", want, err)
		}
	}
}
