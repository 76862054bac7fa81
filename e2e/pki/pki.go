// Package pki makes throw-away certificate authorities and serving
// certificates for servers the e2e tests run on loopback: the kube-apiserver
// now, an admission webhook backend (OPA) later. Keys are ECDSA P-256 because
// they are generated on every test run and RSA generation is slow on 2 cores.
package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"time"
)

// validity is long enough for any test run and short enough that a leaked
// key is worthless soon. NotBefore is backdated to tolerate clock skew.
const (
	validity = 24 * time.Hour
	backdate = time.Hour
)

// CA is a self-signed certificate authority held in memory.
type CA struct {
	Cert *x509.Certificate
	key  *ecdsa.PrivateKey
	// CertPEM is the CA certificate, e.g. for a webhook's caBundle or a
	// client's CAData.
	CertPEM []byte
}

// KeyPair is a certificate and its private key, both PEM encoded.
type KeyPair struct {
	CertPEM []byte
	KeyPEM  []byte
}

// NewCA makes a self-signed CA named commonName.
func NewCA(commonName string) (*CA, error) {
	if commonName == "" {
		return nil, errors.New("pki: CA common name must not be empty")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: generating CA key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("pki: signing CA certificate %q: %w", commonName, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("pki: parsing CA certificate %q: %w", commonName, err)
	}
	return &CA{Cert: cert, key: key, CertPEM: encodeCert(der)}, nil
}

// IssueServing signs a TLS serving certificate for hosts, each an IP address
// (e.g. "127.0.0.1") or a DNS name (e.g. "localhost",
// "opa.opa.svc"). The first host is also the common name.
func (ca *CA) IssueServing(hosts ...string) (KeyPair, error) {
	if len(hosts) == 0 {
		return KeyPair{}, errors.New("pki: a serving certificate needs at least one host (IP address or DNS name)")
	}
	tmpl, err := leafTemplate(hosts[0], x509.ExtKeyUsageServerAuth)
	if err != nil {
		return KeyPair{}, err
	}
	for _, h := range hosts {
		if h == "" {
			return KeyPair{}, errors.New("pki: serving certificate host must not be empty")
		}
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return ca.sign(tmpl)
}

// IssueClient signs a TLS client certificate for user in groups, the way
// kube-apiserver's x509 authenticator reads them (CN = user, O = groups).
func (ca *CA) IssueClient(user string, groups ...string) (KeyPair, error) {
	if user == "" {
		return KeyPair{}, errors.New("pki: client certificate user must not be empty")
	}
	tmpl, err := leafTemplate(user, x509.ExtKeyUsageClientAuth)
	if err != nil {
		return KeyPair{}, err
	}
	tmpl.Subject.Organization = groups
	return ca.sign(tmpl)
}

// TLSConfig returns a server tls.Config presenting kp, for servers the test
// runs in-process (httptest-like webhook backends).
func (kp KeyPair) TLSConfig() (*tls.Config, error) {
	cert, err := tls.X509KeyPair(kp.CertPEM, kp.KeyPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: loading key pair: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// CertPool returns a pool holding only this CA, for clients that must trust
// exactly the servers it signed.
func (ca *CA) CertPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return pool
}

// ClientTLSConfig returns a client tls.Config that trusts only this CA.
func (ca *CA) ClientTLSConfig() *tls.Config {
	return &tls.Config{RootCAs: ca.CertPool(), MinVersion: tls.VersionTLS12}
}

func (ca *CA) sign(tmpl *x509.Certificate) (KeyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: generating key for %q: %w", tmpl.Subject.CommonName, err)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, key.Public(), ca.key)
	if err != nil {
		return KeyPair{}, fmt.Errorf("pki: signing certificate %q: %w", tmpl.Subject.CommonName, err)
	}
	keyPEM, err := EncodePrivateKey(key)
	if err != nil {
		return KeyPair{}, err
	}
	return KeyPair{CertPEM: encodeCert(der), KeyPEM: keyPEM}, nil
}

func leafTemplate(commonName string, usage x509.ExtKeyUsage) (*x509.Certificate, error) {
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	return &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName},
		NotBefore:    now.Add(-backdate),
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{usage},
	}, nil
}

// NewSigningKey makes a key for signing tokens (kube-apiserver's
// --service-account-signing-key-file) and returns the private key and the
// public key (--service-account-key-file), both PEM encoded.
func NewSigningKey() (privPEM, pubPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("pki: generating signing key: %w", err)
	}
	privPEM, err = EncodePrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return nil, nil, fmt.Errorf("pki: encoding public key: %w", err)
	}
	return privPEM, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), nil
}

// EncodePrivateKey PEM-encodes key as PKCS#8, which every Go and Kubernetes
// reader accepts.
func EncodePrivateKey(key crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("pki: encoding private key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

func encodeCert(der []byte) []byte {
	var b bytes.Buffer
	// pem.Encode only fails on a writer error; bytes.Buffer never returns one.
	_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	return b.Bytes()
}

func newSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, fmt.Errorf("pki: generating serial number: %w", err)
	}
	return serial, nil
}
