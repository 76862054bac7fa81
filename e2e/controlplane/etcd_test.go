package controlplane

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEtcdServesOnLoopbackWithDataInTheControlPlaneDir(t *testing.T) {
	cp := sharedControlPlane(t)
	if !strings.HasPrefix(cp.EtcdURL, "http://127.0.0.1:") {
		t.Errorf("etcd URL %s is not on loopback", cp.EtcdURL)
	}
	resp, err := http.Get(cp.EtcdURL + "/health")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("etcd /health = %s", resp.Status)
	}
	if fi, err := os.Stat(filepath.Join(cp.Dir, "etcd-data", "member")); err != nil || !fi.IsDir() {
		t.Errorf("etcd data is not under the control plane dir %s: %v", cp.Dir, err)
	}
}

func TestEtcdArgsStayOnLoopback(t *testing.T) {
	for _, a := range etcdArgs("/d", 1, 2) {
		if strings.Contains(a, "://") && !strings.Contains(a, "://127.0.0.1:") {
			t.Errorf("etcd flag %s listens or advertises off loopback", a)
		}
	}
}
