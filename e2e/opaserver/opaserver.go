// Package opaserver runs the real OPA server as the chart's opa container
// runs it (`opa run --server` with TLS, token authentication and the chart's
// bootstrap files, arguments from the pod helm template renders), on loopback,
// as a process of the e2e control plane, and talks to it as kube-mgmt does:
// policies and data over OPA's REST API with the kube-mgmt token.
package opaserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"supremeraid.dev/supremeraid-fn/e2e/controlplane"
	"supremeraid.dev/supremeraid-fn/e2e/opachart"
)

// Version is the OPA release the e2e tools build (e2e/tools/opa/go.mod).
// Start refuses another binary so a stale bin/opa cannot test something else.
const Version = "1.22.2"

const startAttempts = 3

// Options configure Start.
type Options struct {
	// Binary is the opa executable.
	Binary string
	// Values are the merged chart values (opachart.Load).
	Values *opachart.Values
	// ReadyTimeout bounds the wait for /health; a guard against hangs,
	// not a performance check. Default 1 minute.
	ReadyTimeout time.Duration
	// Name of the replica: its directory under cp.Dir and its process
	// (log) name. Default "opa".
	Name string
	// Pod is the pod template of the Deployment that helm template
	// rendered from the real chart (helmchart.PodSpec): OPA runs with the
	// opa container's own arguments and the bootstrap files its initpolicy
	// init container writes (its script run with sh), with the pod's paths
	// mapped to harness directories.
	Pod *corev1.PodSpec
}

// Server is a running OPA.
type Server struct {
	// URL is https://127.0.0.1:<port>/, the webhook's clientConfig.url.
	URL string
	// CABundle verifies the serving certificate (the control plane's CA).
	CABundle []byte
	// Ready is the time from start to /health answering (reported only).
	Ready time.Duration

	token  string
	proc   *controlplane.Process
	client *http.Client
	base   string // URL without the trailing "/"
}

// Start runs OPA as the chart's pod opts.Pod runs it, serving a
// certificate for 127.0.0.1 from cp's CA, and waits for /health. The
// process belongs to cp: it is stopped with it and its log (<cp.Dir>/opa.log)
// is in cp.LogTails.
func Start(ctx context.Context, cp *controlplane.ControlPlane, opts Options) (*Server, error) {
	if err := checkVersion(opts.Binary); err != nil {
		return nil, err
	}
	if opts.ReadyTimeout == 0 {
		opts.ReadyTimeout = time.Minute
	}
	if opts.Name == "" {
		opts.Name = "opa"
	}
	dir := filepath.Join(cp.Dir, opts.Name)
	if err := os.MkdirAll(filepath.Join(dir, "bootstrap"), 0o700); err != nil {
		return nil, fmt.Errorf("creating OPA directory: %w", err)
	}
	cert, err := cp.CA.IssueServing("127.0.0.1")
	if err != nil {
		return nil, err
	}
	s := serving{
		CertFile:     filepath.Join(dir, "tls.crt"),
		KeyFile:      filepath.Join(dir, "tls.key"),
		BootstrapDir: filepath.Join(dir, "bootstrap"),
	}
	writes := map[string][]byte{s.CertFile: cert.CertPEM, s.KeyFile: cert.KeyPEM}
	// Extra volumes (the chart values mount OpenShift's service CA Secret):
	// the harness stands in for the service CA, which writes a serving
	// certificate for the Service into that Secret.
	s.Mounts = map[string]string{}
	var extra []string
	if opts.Values != nil {
		for _, m := range opts.Values.ExtraVolumeMounts {
			extra = append(extra, m.MountPath)
		}
	}
	for i, m := range extra {
		mdir := filepath.Join(dir, fmt.Sprintf("mount-%d", i))
		if err := os.MkdirAll(mdir, 0o700); err != nil {
			return nil, fmt.Errorf("creating %s: %w", mdir, err)
		}
		s.Mounts[m] = mdir
		writes[filepath.Join(mdir, "tls.crt")] = cert.CertPEM
		writes[filepath.Join(mdir, "tls.key")] = cert.KeyPEM
	}
	for path, data := range writes {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("writing %s: %w", path, err)
		}
	}
	if opts.Pod == nil {
		return nil, errors.New("starting OPA: no pod spec (render the chart with helmchart.Template and pass helmchart.PodSpec)")
	}
	token, argsFor, err := fromPod(ctx, opts.Pod, s)
	if err != nil {
		return nil, err
	}
	client := &http.Client{
		Transport: &http.Transport{TLSClientConfig: cp.CA.ClientTLSConfig()},
		Timeout:   30 * time.Second,
	}
	var errs []error
	for range startAttempts {
		srv, err := start(ctx, cp, opts, argsFor, token, client)
		if err == nil {
			srv.CABundle = cp.CA.CertPEM
			return srv, nil
		}
		errs = append(errs, err)
		// Only a port taken between FreePorts and OPA's bind is retried.
		if !strings.Contains(err.Error(), "address already in use") || ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("starting OPA: %w", errors.Join(errs...))
}

func start(ctx context.Context, cp *controlplane.ControlPlane, opts Options, argsFor func(addr string) ([]string, error), token string, client *http.Client) (*Server, error) {
	ports, err := controlplane.FreePorts(1)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	args, err := argsFor(addr)
	if err != nil {
		return nil, err
	}
	// Not a chart flag: the test machines have no route to OPA's
	// telemetry service, and the check does not affect decisions.
	args = append(args, "--disable-telemetry")
	began := time.Now()
	proc, err := cp.StartProcess(opts.Name, opts.Binary, args...)
	if err != nil {
		return nil, err
	}
	base := "https://" + addr
	wctx, cancel := context.WithTimeout(ctx, opts.ReadyTimeout)
	defer cancel()
	if err := proc.WaitReady(wctx, client, base+"/health"); err != nil {
		_ = proc.Stop()
		return nil, fmt.Errorf("waiting for OPA /health at %s: %w", base, err)
	}
	return &Server{
		URL:    base + "/",
		Ready:  time.Since(began),
		token:  token,
		proc:   proc,
		client: client,
		base:   base,
	}, nil
}

// Addr is the host:port OPA serves on.
func (s *Server) Addr() string { return strings.TrimPrefix(s.base, "https://") }

// Stop ends OPA (e.g. to show that the webhook fails closed).
func (s *Server) Stop() error { return s.proc.Stop() }

// Running reports whether the OPA process is alive.
func (s *Server) Running() bool { return s.proc.Running() }

// LogPath is OPA's log file.
func (s *Server) LogPath() string { return s.proc.LogPath() }

// checkVersion runs `opa version` and requires the pinned release.
func checkVersion(bin string) error {
	if bin == "" {
		return errors.New("no opa binary given")
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s version: %w: %s", bin, err, out)
	}
	want := "Version: " + Version + "\n"
	if !strings.HasPrefix(string(out), want) {
		first, _, _ := strings.Cut(string(out), "\n")
		return fmt.Errorf("%s version says %q, want %q; rebuild it with `make tools-e2e`", bin, first, strings.TrimSpace(want))
	}
	return nil
}
