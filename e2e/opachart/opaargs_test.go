package opachart

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"supremeraid.dev/supremeraid-fn/e2e/binaries"
)

var serving = Serving{Addr: "127.0.0.1:8443", CertFile: "/c/tls.crt", KeyFile: "/c/tls.key", BootstrapDir: "/b"}

func TestOPAArgs(t *testing.T) {
	tests := []struct {
		name, reason, extra string
		want                []string
	}{
		{
			name:   "our values",
			reason: "TLS, the chart's log flags, token authn + basic authz reading /bootstrap",
			want: []string{"run", "--server", "--tls-cert-file=/c/tls.crt", "--tls-private-key-file=/c/tls.key",
				"--addr=127.0.0.1:8443", "--log-level=info", "--log-format=json",
				"--authentication=token", "--authorization=basic", "--ignore=.*", "/b"},
		},
		{
			name:   "authz off",
			reason: "no token flags and no bootstrap directory",
			extra:  "authz: {enabled: false}\n",
			want: []string{"run", "--server", "--tls-cert-file=/c/tls.crt", "--tls-private-key-file=/c/tls.key",
				"--addr=127.0.0.1:8443", "--log-level=info", "--log-format=json"},
		},
		{
			name:   "extra args last",
			reason: "extraArgs are appended as the template does",
			extra:  "authz: {enabled: false}\nlogLevel: debug\nextraArgs: [--set=decision_logs.console=true]\n",
			want: []string{"run", "--server", "--tls-cert-file=/c/tls.crt", "--tls-private-key-file=/c/tls.key",
				"--addr=127.0.0.1:8443", "--log-level=debug", "--log-format=json", "--set=decision_logs.console=true"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := OPAArgs(loadWith(t, tc.extra), serving)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("args\n %q\nwant\n %q\n(%s)", got, tc.want, tc.reason)
			}
		})
	}
}

func TestOPAArgsRefuses(t *testing.T) {
	tests := []struct{ name, reason, extra, want string }{
		{"config file", "an OPA config file is not run by the harness", "opa: {decision_logs: {console: true}}\n", "OPA configuration file"},
		{"prometheus", "no diagnostic port", "prometheus: {enabled: true}\n", "prometheus.enabled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := OPAArgs(loadWith(t, tc.extra), serving)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("OPAArgs = %v, want an error containing %q (%s)", err, tc.want, tc.reason)
			}
		})
	}
	if _, err := OPAArgs(loadWith(t, ""), Serving{Addr: "127.0.0.1:1"}); err == nil {
		t.Error("OPAArgs without certificate files and bootstrap directory succeeded")
	}
}

func TestBootstrapFiles(t *testing.T) {
	v := loadWith(t, "bootstrapPolicies: {log: \"package system.log\\n\"}\n")
	files, names, err := BootstrapFiles(v, "ABC")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"authz.rego", "log.rego"}; !reflect.DeepEqual(names, want) {
		t.Errorf("files %v, want %v", names, want)
	}
	if !strings.Contains(files["authz.rego"], `input.identity == "ABC"`) {
		t.Errorf("authz.rego does not admit the token:\n%s", files["authz.rego"])
	}
	if _, _, err := BootstrapFiles(v, ""); err == nil {
		t.Error("authz without a token succeeded")
	}
	if _, _, err := BootstrapFiles(loadWith(t, "bootstrapPolicies: {authz: x}\n"), "ABC"); err == nil {
		t.Error("a bootstrap policy named authz overwrote the authorization policy")
	}
}

// TestAuthzPolicyCompiles checks the authorization policy with the real OPA
// (`opa check --strict`, Rego v1); its behaviour is tested against a running
// OPA in package opaserver.
func TestAuthzPolicyCompiles(t *testing.T) {
	paths := binaries.Require(t, binaries.OPA)
	if paths == nil {
		return
	}
	f := filepath.Join(t.TempDir(), "authz.rego")
	if err := os.WriteFile(f, []byte(AuthzPolicy(`TOKEN"with quote`)), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(paths[0], "check", "--strict", f).CombinedOutput(); err != nil {
		t.Fatalf("opa check --strict: %v\n%s", err, out)
	}
}
