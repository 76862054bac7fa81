package pki

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestIssueServingVerifiesOnlyForItsHosts(t *testing.T) {
	ca, err := NewCA("e2e-test-ca")
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}
	kp, err := ca.IssueServing("127.0.0.1", "localhost", "opa.opa.svc")
	if err != nil {
		t.Fatalf("IssueServing: %v", err)
	}
	leaf := parseCert(t, kp.CertPEM)

	cases := map[string]struct {
		reason string
		host   string
		ok     bool
	}{
		"ipv4 loopback": {reason: "IP hosts must become IP SANs", host: "127.0.0.1", ok: true},
		"localhost":     {reason: "DNS hosts must become DNS SANs", host: "localhost", ok: true},
		"service name":  {reason: "a webhook Service name must verify", host: "opa.opa.svc", ok: true},
		"other ip":      {reason: "an address not listed must not verify", host: "127.0.0.2", ok: false},
		"other name":    {reason: "a name not listed must not verify", host: "evil.example", ok: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := leaf.Verify(x509.VerifyOptions{
				DNSName:   tc.host,
				Roots:     ca.CertPool(),
				KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
			})
			if (err == nil) != tc.ok {
				t.Errorf("%s: Verify(%q) error = %v, want ok=%v", tc.reason, tc.host, err, tc.ok)
			}
		})
	}
}

func TestServingCertWorksForRealTLSOnLoopback(t *testing.T) {
	ca, err := NewCA("e2e-test-ca")
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}
	kp, err := ca.IssueServing("127.0.0.1")
	if err != nil {
		t.Fatalf("IssueServing: %v", err)
	}
	cfg, err := kp.TLSConfig()
	if err != nil {
		t.Fatalf("TLSConfig: %v", err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello")
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })

	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: ca.ClientTLSConfig()}}
	resp, err := trusting.Get("https://" + ln.Addr().String())
	if err != nil {
		t.Fatalf("a client trusting the CA must connect: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if string(body) != "hello" {
		t.Errorf("body = %q, want %q", body, "hello")
	}

	other, err := NewCA("unrelated-ca")
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}
	distrusting := &http.Client{Transport: &http.Transport{TLSClientConfig: other.ClientTLSConfig()}}
	if resp, err := distrusting.Get("https://" + ln.Addr().String()); err == nil {
		_ = resp.Body.Close()
		t.Errorf("a client trusting another CA must be refused, got %s", resp.Status)
	}
}

func TestIssueClientCarriesUserAndGroups(t *testing.T) {
	ca, err := NewCA("e2e-test-ca")
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}
	kp, err := ca.IssueClient("admin", "system:masters")
	if err != nil {
		t.Fatalf("IssueClient: %v", err)
	}
	c := parseCert(t, kp.CertPEM)
	if c.Subject.CommonName != "admin" || strings.Join(c.Subject.Organization, ",") != "system:masters" {
		t.Errorf("subject = %v, want CN=admin O=system:masters (kube-apiserver reads user from CN, groups from O)", c.Subject)
	}
	if _, err := c.Verify(x509.VerifyOptions{Roots: ca.CertPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client cert must verify for client auth: %v", err)
	}
}

func TestNewSigningKeyPairMatches(t *testing.T) {
	privPEM, pubPEM, err := NewSigningKey()
	if err != nil {
		t.Fatalf("NewSigningKey: %v", err)
	}
	privBlock, _ := pem.Decode(privPEM)
	pubBlock, _ := pem.Decode(pubPEM)
	if privBlock == nil || pubBlock == nil {
		t.Fatalf("keys must be PEM: priv=%q pub=%q", privPEM, pubPEM)
	}
	priv, err := x509.ParsePKCS8PrivateKey(privBlock.Bytes)
	if err != nil {
		t.Fatalf("private key: %v", err)
	}
	pub, err := x509.ParsePKIXPublicKey(pubBlock.Bytes)
	if err != nil {
		t.Fatalf("public key: %v", err)
	}
	digest := sha256.Sum256([]byte("token"))
	sig, err := ecdsa.SignASN1(nil, priv.(*ecdsa.PrivateKey), digest[:])
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	if !ecdsa.VerifyASN1(pub.(*ecdsa.PublicKey), digest[:], sig) {
		t.Errorf("a signature by the private key must verify with the public key")
	}
}

func TestBadInputIsAnErrorNotAPanic(t *testing.T) {
	ca, err := NewCA("e2e-test-ca")
	if err != nil {
		t.Fatalf("NewCA: %v", err)
	}
	cases := map[string]struct {
		reason string
		call   func() error
		want   string
	}{
		"empty CA name": {
			reason: "a nameless CA is a caller bug",
			call:   func() error { _, err := NewCA(""); return err },
			want:   "CA common name must not be empty",
		},
		"no hosts": {
			reason: "a serving cert without SANs verifies for nothing",
			call:   func() error { _, err := ca.IssueServing(); return err },
			want:   "at least one host",
		},
		"empty host": {
			reason: "an empty SAN is a caller bug",
			call:   func() error { _, err := ca.IssueServing("127.0.0.1", ""); return err },
			want:   "host must not be empty",
		},
		"empty user": {
			reason: "a client cert must name a user",
			call:   func() error { _, err := ca.IssueClient(""); return err },
			want:   "user must not be empty",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.call()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error = %v, want it to contain %q", tc.reason, err, tc.want)
			}
		})
	}
}

func parseCert(t *testing.T, certPEM []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatalf("not PEM: %q", certPEM)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("parse certificate: %v", err)
	}
	return c
}
