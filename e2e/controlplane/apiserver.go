package controlplane

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"supremeraid.dev/supremeraid-fn/e2e/pki"
)

// AdminUser is the identity of the harness's token; system:masters bypasses
// RBAC authorization, so it can install CRDs and apply anything.
const (
	AdminUser  = "supremeraid-e2e-admin"
	AdminGroup = "system:masters"
)

// apiserverFiles are the credentials written for one kube-apiserver.
type apiserverFiles struct {
	caCert, servingCert, servingKey string
	saKey, saPub                    string
	tokens                          string
}

// writeAPIServerFiles generates a CA, a serving certificate for 127.0.0.1
// and localhost, a service-account signing key and a static token file
// holding one admin token, all under dir.
func writeAPIServerFiles(dir string, ca *pki.CA) (apiserverFiles, string, error) {
	f := apiserverFiles{
		caCert:      filepath.Join(dir, "ca.crt"),
		servingCert: filepath.Join(dir, "apiserver.crt"),
		servingKey:  filepath.Join(dir, "apiserver.key"),
		saKey:       filepath.Join(dir, "sa.key"),
		saPub:       filepath.Join(dir, "sa.pub"),
		tokens:      filepath.Join(dir, "tokens.csv"),
	}
	serving, err := ca.IssueServing("127.0.0.1", "localhost")
	if err != nil {
		return f, "", err
	}
	saKey, saPub, err := pki.NewSigningKey()
	if err != nil {
		return f, "", err
	}
	token, err := randomToken()
	if err != nil {
		return f, "", err
	}
	// Static token file format: token,user,uid,"group1,group2".
	tokens := fmt.Sprintf("%s,%s,%s,\"%s\"\n", token, AdminUser, AdminUser, AdminGroup)
	for path, data := range map[string][]byte{
		f.caCert:      ca.CertPEM,
		f.servingCert: serving.CertPEM,
		f.servingKey:  serving.KeyPEM,
		f.saKey:       saKey,
		f.saPub:       saPub,
		f.tokens:      []byte(tokens),
	} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return f, "", fmt.Errorf("writing kube-apiserver credentials: %w", err)
		}
	}
	return f, token, nil
}

// apiserverArgs are the flags of the test kube-apiserver. Each differs from
// the default for a stated reason; everything else is the release default.
func apiserverArgs(f apiserverFiles, etcdURL string, port int, extra []string) []string {
	args := []string{
		"--etcd-servers=" + etcdURL,
		// Loopback only: nothing off this machine can reach it.
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + f.servingCert,
		"--tls-private-key-file=" + f.servingKey,
		"--client-ca-file=" + f.caCert,
		"--token-auth-file=" + f.tokens,
		"--anonymous-auth=false",
		// Real authorization: only the admin token's group bypasses it,
		// so later tests can check what a ServiceAccount may do.
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file=" + f.saPub,
		"--service-account-signing-key-file=" + f.saKey,
		"--api-audiences=https://kubernetes.default.svc",
		"--service-cluster-ip-range=10.0.0.0/24",
		// The generated node DaemonSet is privileged; without this the API
		// server rejects its pod template.
		"--allow-privileged=true",
		// Added to the default plugin set so the list documents what the
		// tests rely on: webhooks (OPA) and CEL admission policies.
		"--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,PodSecurity," +
			"MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ValidatingAdmissionPolicy",
		// The loopback advertise address is not a valid Endpoints IP, and
		// no test needs the in-cluster "kubernetes" Service.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
		"--v=1",
	}
	return append(args, extra...)
}

// startAPIServer starts kube-apiserver and waits for /readyz.
func startAPIServer(ctx context.Context, bin, dir string, ca *pki.CA, etcdURL string, extra []string) (*process, string, string, error) {
	files, token, err := writeAPIServerFiles(dir, ca)
	if err != nil {
		return nil, "", "", err
	}
	ports, err := FreePorts(1)
	if err != nil {
		return nil, "", "", err
	}
	url := "https://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	proc, err := startProcess("kube-apiserver", bin, apiserverArgs(files, etcdURL, ports[0], extra), filepath.Join(dir, "kube-apiserver.log"))
	if err != nil {
		return nil, "", "", err
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientTLSConfig()}}
	header := http.Header{"Authorization": {"Bearer " + token}}
	if err := waitHealthy(ctx, proc, client, url+"/readyz", header); err != nil {
		_ = proc.stop(stopGrace)
		return nil, "", "", fmt.Errorf("waiting for kube-apiserver /readyz at %s: %w", url, err)
	}
	return proc, url, token, nil
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating admin token: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// addressInUse reports whether a log says a listener could not bind, the
// one start failure worth retrying with fresh ports.
func addressInUse(log string) bool {
	return strings.Contains(log, "address already in use")
}
