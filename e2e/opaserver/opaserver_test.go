package opaserver

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"supremeraid.dev/supremeraid-fn/e2e/binaries"
	"supremeraid.dev/supremeraid-fn/e2e/controlplane"
	"supremeraid.dev/supremeraid-fn/e2e/helmchart"
	"supremeraid.dev/supremeraid-fn/e2e/opachart"
	"supremeraid.dev/supremeraid-fn/e2e/pki"
)

// chartDefaults are the chart's values with admission control switched on,
// as our generated values do; authz stays the chart default (on).
func chartValues(t *testing.T, extra string) *opachart.Values {
	t.Helper()
	data, err := os.ReadFile("../../generators/opa/testdata/chart/values.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v, err := opachart.Load(data, []byte(extra))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// bareControlPlane gives OPA a CA, a directory and process bookkeeping
// without starting etcd or kube-apiserver.
func bareControlPlane(t *testing.T) *controlplane.ControlPlane {
	t.Helper()
	ca, err := pki.NewCA("opaserver-test-ca")
	if err != nil {
		t.Fatal(err)
	}
	cp := &controlplane.ControlPlane{Dir: t.TempDir(), CA: ca}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(cp.LogTails(40))
		}
		if err := cp.Stop(); err != nil {
			t.Errorf("stopping: %v", err)
		}
	})
	return cp
}

// chartPod is the OPA pod of the real chart rendered with its defaults (helm template).
func chartPod(t *testing.T) *corev1.PodSpec {
	t.Helper()
	paths := binaries.Require(t, binaries.Helm)
	if paths == nil {
		return nil
	}
	root, err := binaries.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := helmchart.Template(context.Background(), paths[0], helmchart.ChartDir(root), "opa", "opa", nil)
	if err != nil {
		t.Fatal(err)
	}
	pod, _, err := helmchart.PodSpec(objs)
	if err != nil {
		t.Fatal(err)
	}
	return pod
}

func startOPA(t *testing.T, v *opachart.Values) *Server {
	t.Helper()
	paths := binaries.Require(t, binaries.OPA)
	if paths == nil {
		return nil
	}
	pod := chartPod(t)
	if pod == nil {
		return nil
	}
	s, err := Start(context.Background(), bareControlPlane(t), Options{Binary: paths[0], Values: v, Pod: pod})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestChartAuthorization: OPA runs with the chart's token authentication and
// bootstrap policy: the API server (anonymous) may ask for the default
// decision, the probes may read /health, and only kube-mgmt's token may
// load policy or data or read anything else.
func TestChartAuthorization(t *testing.T) {
	s := startOPA(t, chartValues(t, ""))
	if s == nil {
		return
	}
	ctx := context.Background()
	tests := []struct {
		name, reason, method, path, body string
		token                            bool
		want                             int
	}{
		{"health", "readiness and liveness probes", http.MethodGet, "/health", "", false, http.StatusOK},
		{"default decision", "the webhook call; no data.system.main is loaded yet, so 404 undefined", http.MethodPost, "/", `{"input":{}}`, false, http.StatusNotFound},
		{"policy anonymous", "loading policy needs the token", http.MethodPut, "/v1/policies/x", "package x\n", false, http.StatusUnauthorized},
		{"data anonymous", "reading data needs the token", http.MethodGet, "/v1/data", "", false, http.StatusUnauthorized},
		{"metrics anonymous", "prometheus is off in the chart, so metrics need the token", http.MethodGet, "/metrics", "", false, http.StatusUnauthorized},
		{"policy with token", "kube-mgmt loads policy", http.MethodPut, "/v1/policies/x", "package x\n", true, http.StatusOK},
		{"data with token", "kube-mgmt replicates data", http.MethodPut, "/v1/data/kubernetes/namespaces", `{}`, true, http.StatusNoContent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			got, out, err := s.Raw(ctx, tc.method, tc.path, body, tc.token)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("%s %s (token %v) = %d %s, want %d (%s)", tc.method, tc.path, tc.token, got, out, tc.want, tc.reason)
			}
		})
	}
}

// TestTLSOnly: OPA's certificate is from the control plane's CA; a client
// that does not trust that CA cannot talk to it, and plain HTTP is refused.
func TestTLSOnly(t *testing.T) {
	s := startOPA(t, chartValues(t, ""))
	if s == nil {
		return
	}
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") || !strings.HasSuffix(s.URL, "/") {
		t.Errorf("URL %q, want https://127.0.0.1:<port>/", s.URL)
	}
	if _, err := http.Get(s.base + "/health"); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("a client without the CA got %v, want a certificate error", err)
	}
	resp, err := http.Get("http://" + strings.TrimPrefix(s.base, "https://") + "/health")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("OPA answered plain HTTP")
		}
	}
}

func TestPolicyAndDataAPI(t *testing.T) {
	s := startOPA(t, chartValues(t, ""))
	if s == nil {
		return
	}
	ctx := context.Background()
	if err := s.PutPolicy(ctx, "opa/cm/a.rego", []byte("package a\n\nx := data.kubernetes.namespaces.ns1.metadata.name\n")); err != nil {
		t.Fatal(err)
	}
	err := s.PutPolicy(ctx, "opa/cm/b.rego", []byte("package a\n\ny := undefined_rule\n"))
	if err == nil || !strings.Contains(err.Error(), "rego_unsafe_var_error") {
		t.Errorf("a module using an undefined rule loaded: %v; want OPA's compile error", err)
	}
	if err := s.PutData(ctx, "kubernetes/namespaces", map[string]any{"ns1": map[string]any{"metadata": map[string]any{"name": "ns1"}}}); err != nil {
		t.Fatal(err)
	}
	var x string
	if err := s.Data(ctx, "a/x", &x); err != nil || x != "ns1" {
		t.Errorf("data.a.x = %q, %v; want ns1", x, err)
	}
	ids, err := s.PolicyIDs(ctx)
	if err != nil || len(ids) != 2 || !contains(ids, "opa/cm/a.rego") {
		// The authz bootstrap policy is loaded from disk and listed too.
		t.Errorf("policy ids %v, %v; want the authz policy and opa/cm/a.rego", ids, err)
	}
}

func TestDecisionsCountsDefaultDecisions(t *testing.T) {
	s := startOPA(t, chartValues(t, ""))
	if s == nil {
		return
	}
	ctx := context.Background()
	before, err := s.Decisions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, _, err := s.Raw(ctx, http.MethodPost, "/", []byte(`{}`), false); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := s.Raw(ctx, http.MethodGet, "/v1/data", nil, true); err != nil {
		t.Fatal(err)
	}
	after, err := s.Decisions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := after.Sub(before); d.Calls != 3 || d.Seconds <= 0 {
		t.Errorf("3 default decisions and one data read counted as %+v, want 3 calls", d)
	}
}

func TestStartRefusesOtherVersions(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "opa")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'Version: 0.70.0'\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := Start(context.Background(), bareControlPlane(t), Options{Binary: fake, Values: chartValues(t, ""), Pod: chartPod(t)})
	if err == nil || !strings.Contains(err.Error(), "make tools-e2e") {
		t.Errorf("Start with OPA 0.70.0 = %v, want a refusal naming make tools-e2e", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
