package controlplane

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"time"
)

// etcd is a single-member etcd on loopback with its data in a temp dir.
type etcd struct {
	proc     *process
	endpoint string // client URL, http://127.0.0.1:<port>
}

func etcdArgs(dataDir string, clientPort, peerPort int) []string {
	client := "http://127.0.0.1:" + strconv.Itoa(clientPort)
	peer := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	return []string{
		"--name=e2e",
		"--data-dir=" + dataDir,
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=e2e=" + peer,
		"--initial-cluster-state=new",
		// Throw-away data: skipping fsync makes writes cheap on a shared
		// 2-core CI machine and changes nothing the tests observe.
		"--unsafe-no-fsync=true",
		"--log-level=warn",
		"--logger=zap",
		"--log-outputs=stderr",
	}
}

// startEtcd starts etcd and waits until its /health endpoint says so.
func startEtcd(ctx context.Context, bin, dir string) (*etcd, error) {
	ports, err := FreePorts(2)
	if err != nil {
		return nil, err
	}
	args := etcdArgs(filepath.Join(dir, "etcd-data"), ports[0], ports[1])
	proc, err := startProcess("etcd", bin, args, filepath.Join(dir, "etcd.log"))
	if err != nil {
		return nil, err
	}
	e := &etcd{proc: proc, endpoint: "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))}
	if err := waitHealthy(ctx, proc, http.DefaultClient, e.endpoint+"/health", nil); err != nil {
		_ = proc.stop(stopGrace)
		return nil, fmt.Errorf("waiting for etcd at %s: %w", e.endpoint, err)
	}
	return e, nil
}

// waitHealthy polls url until it answers 200, the process exits, or ctx
// ends. header is added to every request (e.g. a bearer token).
func waitHealthy(ctx context.Context, proc *process, client *http.Client, url string, header http.Header) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		if !proc.running() {
			return proc.exitError()
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("building request for %s: %w", url, err)
		}
		for k, v := range header {
			req.Header[k] = v
		}
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last answer: %s); last lines of %s:\n%s", ctx.Err(), last, proc.logPath, proc.logTail(40))
		case <-tick.C:
		}
	}
}
