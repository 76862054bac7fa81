package controlplane

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
)

func TestAPIServerVersion(t *testing.T) {
	cp := sharedControlPlane(t)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: cp.CA.ClientTLSConfig()}}
	req, err := http.NewRequest(http.MethodGet, cp.URL+"/version", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+cp.Config.BearerToken)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v struct{ GitVersion string }
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	if v.GitVersion != KubernetesVersion {
		t.Errorf("/version gitVersion = %q, want %q", v.GitVersion, KubernetesVersion)
	}
}

// TestAdminTokenIsSystemMasters asks the server who the harness client is.
func TestAdminTokenIsSystemMasters(t *testing.T) {
	cp := sharedControlPlane(t)
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	review := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
	}}
	got, err := dyn.Resource(schema.GroupVersionResource{Group: "authentication.k8s.io", Version: "v1", Resource: "selfsubjectreviews"}).
		Create(context.Background(), review, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	user, _, _ := unstructured.NestedString(got.Object, "status", "userInfo", "username")
	groups, _, _ := unstructured.NestedStringSlice(got.Object, "status", "userInfo", "groups")
	if user != AdminUser || !contains(groups, AdminGroup) {
		t.Errorf("harness identity = %q %v, want %q in %q", user, groups, AdminUser, AdminGroup)
	}
}

// TestAuthenticationAndRBACAreEnforced shows the server is not wide open:
// no credentials is 401, a wrong token is 401, and a user the CA vouches
// for but RBAC grants nothing gets 403 (AlwaysAllow would say 200).
func TestAuthenticationAndRBACAreEnforced(t *testing.T) {
	cp := sharedControlPlane(t)
	url := cp.URL + "/api/v1/namespaces/kube-system/secrets"
	tlsCfg := cp.CA.ClientTLSConfig()

	noAuth := &http.Client{Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	if code := status(t, noAuth, url, ""); code != http.StatusUnauthorized {
		t.Errorf("anonymous request: %d, want 401 (--anonymous-auth=false)", code)
	}
	if code := status(t, noAuth, url, "not-the-token"); code != http.StatusUnauthorized {
		t.Errorf("wrong token: %d, want 401", code)
	}

	kp, err := cp.CA.IssueClient("alice", "developers")
	if err != nil {
		t.Fatal(err)
	}
	cfg := rest.CopyConfig(cp.Config)
	cfg.BearerToken = ""
	cfg.CertData, cfg.KeyData = kp.CertPEM, kp.KeyPEM
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = dyn.Resource(schema.GroupVersionResource{Version: "v1", Resource: "secrets"}).Namespace("kube-system").
		List(context.Background(), metav1.ListOptions{})
	if err == nil || !strings.Contains(err.Error(), "forbidden") {
		t.Errorf("unprivileged user listing kube-system secrets: err = %v, want forbidden by RBAC", err)
	}
}

func TestAPIServerArgs(t *testing.T) {
	args := strings.Join(apiserverArgs(apiserverFiles{}, "http://127.0.0.1:1", 2, []string{"--extra=1"}), " ")
	for _, want := range []string{
		"--bind-address=127.0.0.1", "--authorization-mode=RBAC", "--anonymous-auth=false", "--allow-privileged=true",
		"MutatingAdmissionWebhook", "ValidatingAdmissionWebhook", "ValidatingAdmissionPolicy", "--extra=1",
	} {
		if !strings.Contains(args, want) {
			t.Errorf("kube-apiserver args lack %q: %s", want, args)
		}
	}
}

func status(t *testing.T, c *http.Client, url, token string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}
