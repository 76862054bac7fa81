// Package controlplane runs a real etcd and a real kube-apiserver on
// loopback for end-to-end tests: random free ports, a temp directory for
// data, credentials and logs, TLS verified against a per-run CA, a static
// admin token, RBAC. Stop kills every process group it started and removes
// the directory; the logs are printed first when a test failed.
//
// Extra servers the API server must call (an admission webhook backend such
// as OPA) use the same CA (ControlPlane.CA.IssueServing("127.0.0.1")) and
// StartProcess, so they share teardown and log printing.
package controlplane

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"supremeraid.dev/supremeraid-fn/e2e/binaries"
	"supremeraid.dev/supremeraid-fn/e2e/pki"
)

// The versions the e2e tools are built at (e2e/tools/controlplane/go.mod).
// Start refuses other binaries so a stale bin/ cannot test something else.
const (
	KubernetesVersion = "v1.34.2"
	EtcdVersion       = "3.6.4"
)

// KeepEnv set to 1 keeps the temp directory (logs, etcd data) after Stop.
const KeepEnv = "SUPREMERAID_E2E_KEEP"

const (
	stopGrace        = 10 * time.Second
	defaultReadyWait = 2 * time.Minute
	startAttempts    = 3
	logTailLines     = 80
)

// Options configure Start. Zero values mean the defaults.
type Options struct {
	KubeAPIServer string // path; default: binaries.KubeAPIServer.Find()
	Etcd          string // path; default: binaries.Etcd.Find()
	// ReadyTimeout bounds the wait for etcd and for kube-apiserver's
	// /readyz, so a broken start fails instead of hanging; it is not a
	// performance assertion.
	ReadyTimeout time.Duration
	// ExtraAPIServerArgs are appended to the kube-apiserver flags (e.g.
	// --admission-control-config-file for a webhook test).
	ExtraAPIServerArgs []string
}

// ControlPlane is a running etcd plus kube-apiserver.
type ControlPlane struct {
	// Dir holds credentials, etcd data and the logs.
	Dir string
	// URL is the kube-apiserver address, https://127.0.0.1:<port>.
	URL string
	// EtcdURL is etcd's client address, http://127.0.0.1:<port>.
	EtcdURL string
	// CA signed the kube-apiserver serving certificate; use it for webhook
	// backends too, and put CA.CertPEM into their caBundle.
	CA *pki.CA
	// Config authenticates as AdminUser (group system:masters) with TLS
	// verified against CA.
	Config *rest.Config
	// EtcdReady and APIServerReady are the times from starting each
	// process to it answering healthy (reported, never asserted).
	EtcdReady, APIServerReady time.Duration

	mu    sync.Mutex
	procs []*process // in start order; stopped in reverse
	keep  bool
}

// Start starts etcd and kube-apiserver and returns when /readyz is 200.
func Start(ctx context.Context, opts Options) (*ControlPlane, error) {
	var err error
	if opts.Etcd == "" {
		if opts.Etcd, err = binaries.Etcd.Find(); err != nil {
			return nil, err
		}
	}
	if opts.KubeAPIServer == "" {
		if opts.KubeAPIServer, err = binaries.KubeAPIServer.Find(); err != nil {
			return nil, err
		}
	}
	if opts.ReadyTimeout == 0 {
		opts.ReadyTimeout = defaultReadyWait
	}
	if err := checkVersion(opts.KubeAPIServer, "Kubernetes "+KubernetesVersion); err != nil {
		return nil, err
	}
	if err := checkVersion(opts.Etcd, "etcd Version: "+EtcdVersion); err != nil {
		return nil, err
	}
	var errs []error
	for range startAttempts {
		cp, err := start(ctx, opts)
		if err == nil {
			return cp, nil
		}
		errs = append(errs, err)
		// Only a lost race for a free port is worth another try.
		if !addressInUse(err.Error()) || ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

func start(ctx context.Context, opts Options) (cp *ControlPlane, err error) {
	dir, err := os.MkdirTemp("", "supremeraid-e2e-")
	if err != nil {
		return nil, fmt.Errorf("creating control plane directory: %w", err)
	}
	cp = &ControlPlane{Dir: dir, keep: os.Getenv(KeepEnv) == "1"}
	defer func() {
		if err != nil {
			// Keep the logs in the error: the directory is about to go.
			_ = cp.Stop()
		}
	}()
	if cp.CA, err = pki.NewCA("supremeraid-e2e-ca"); err != nil {
		return cp, err
	}
	ctx, cancel := context.WithTimeout(ctx, opts.ReadyTimeout)
	defer cancel()

	began := time.Now()
	e, err := startEtcd(ctx, opts.Etcd, dir)
	if err != nil {
		return cp, err
	}
	cp.add(e.proc)
	cp.EtcdReady = time.Since(began)
	cp.EtcdURL = e.endpoint

	began = time.Now()
	proc, url, token, err := startAPIServer(ctx, opts.KubeAPIServer, dir, cp.CA, e.endpoint, opts.ExtraAPIServerArgs)
	if err != nil {
		return cp, err
	}
	cp.add(proc)
	cp.APIServerReady = time.Since(began)
	cp.URL = url
	cp.Config = &rest.Config{
		Host:            url,
		BearerToken:     token,
		TLSClientConfig: rest.TLSClientConfig{CAData: cp.CA.CertPEM},
		// A test client, not a controller: no client-side throttling
		// between the hundreds of requests an apply run makes.
		QPS:   -1,
		Burst: -1,
	}
	return cp, nil
}

// ForTest starts a control plane for t (skipping or failing per
// binaries.Require when the tools are missing) and stops it when t ends,
// printing the log tails first if t failed.
func ForTest(t testing.TB, opts Options) *ControlPlane {
	t.Helper()
	paths := binaries.Require(t, binaries.Etcd, binaries.KubeAPIServer)
	if paths == nil {
		return nil // only reached when Require was told not to stop the test
	}
	opts.Etcd, opts.KubeAPIServer = paths[0], paths[1]
	cp, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("starting control plane: %v", err)
	}
	t.Logf("control plane up: etcd healthy after %v, kube-apiserver /readyz after %v (%s)",
		cp.EtcdReady.Round(time.Millisecond), cp.APIServerReady.Round(time.Millisecond), cp.URL)
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(cp.LogTails(logTailLines))
		}
		if err := cp.Stop(); err != nil {
			t.Errorf("stopping control plane: %v", err)
		}
	})
	return cp
}

// StartProcess runs another server (e.g. a webhook backend) as part of the
// control plane: logged to <Dir>/<name>.log, stopped by Stop, included in
// LogTails.
func (cp *ControlPlane) StartProcess(name, bin string, args ...string) (*Process, error) {
	p, err := startProcess(name, bin, args, filepath.Join(cp.Dir, name+".log"))
	if err != nil {
		return nil, err
	}
	cp.add(p)
	return &Process{p: p}, nil
}

// Process is a server started with StartProcess.
type Process struct{ p *process }

// Running reports whether the process has not exited.
func (p *Process) Running() bool { return p.p.running() }

// Stop ends the process group early (e.g. to test a webhook failing closed).
func (p *Process) Stop() error { return p.p.stop(stopGrace) }

// WaitReady polls url with client until it answers 200 OK, and fails early
// with the log tail if the process exits; ctx bounds the wait.
func (p *Process) WaitReady(ctx context.Context, client *http.Client, url string) error {
	return waitHealthy(ctx, p.p, client, url, nil)
}

// LogPath is the file holding the process's stdout and stderr.
func (p *Process) LogPath() string { return p.p.logPath }

func (cp *ControlPlane) add(p *process) {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	cp.procs = append(cp.procs, p)
}

// LogTails returns the last n lines of every process log, for failure
// reports.
func (cp *ControlPlane) LogTails(n int) string {
	cp.mu.Lock()
	defer cp.mu.Unlock()
	var b strings.Builder
	for _, p := range cp.procs {
		fmt.Fprintf(&b, "----- last %d lines of %s -----\n%s\n", n, p.logPath, p.logTail(n))
	}
	return b.String()
}

// Stop stops every process in reverse start order (API server before etcd)
// and removes Dir unless SUPREMERAID_E2E_KEEP=1. It is safe to call twice.
func (cp *ControlPlane) Stop() error {
	cp.mu.Lock()
	procs := cp.procs
	cp.mu.Unlock()
	var errs []error
	for i := len(procs) - 1; i >= 0; i-- {
		if err := procs[i].stop(stopGrace); err != nil {
			errs = append(errs, err)
		}
	}
	if !cp.keep {
		if err := os.RemoveAll(cp.Dir); err != nil {
			errs = append(errs, fmt.Errorf("removing %s: %w", cp.Dir, err))
		}
	}
	return errors.Join(errs...)
}

// checkVersion runs `bin --version` and requires want in its output.
func checkVersion(bin, want string) error {
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s --version: %w: %s", bin, err, out)
	}
	if !strings.Contains(string(out), want) {
		return fmt.Errorf("%s --version says %q, want %q; rebuild it with `make tools-e2e`",
			bin, strings.TrimSpace(string(out)), want)
	}
	return nil
}
