package agent

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

const mainUsage = `Usage: supremeraid-fn node --layout FILE [flags]

Runs the SupremeRAID node agent: applies the license, creates the physical
drives, drive groups and virtual drives of the layout, makes filesystems on
blank virtual drives only, mounts them under --host-root and creates tenant
directories. It never deletes RAID objects and never formats a device that
holds data. Without --once it repeats every --interval and, on SIGTERM,
unmounts cleanly.

Flags:
`

// Main is the `supremeraid-fn node` subcommand. Exit codes: 0 success
// (with --once: the node is ready), 1 not ready or unclean shutdown,
// 2 usage or layout errors.
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	fs.SetOutput(stderr)
	layoutPath := fs.String("layout", "", "layout JSON file (the node ConfigMap key), required")
	hostRoot := fs.String("host-root", DefaultHostRoot, "where the host's / is mounted (mountPropagation: Bidirectional)")
	graidctlPath := fs.String("graidctl", "graidctl", "graidctl binary")
	readyFile := fs.String("ready-file", "", "file that exists only while the node is ready")
	listen := fs.String("listen", "", "address for /readyz, /healthz and /metrics, e.g. :8095")
	once := fs.Bool("once", false, "reconcile once and exit (0 = ready); mounts are left in place")
	interval := fs.Duration("interval", 30*time.Second, "time between reconcile passes")
	unmountTimeout := fs.Duration("unmount-timeout", DefaultUnmountTimeout, "clean-unmount budget per mount before a lazy unmount")
	stateDir := fs.String("state-dir", DefaultStateDir, "host directory (under --host-root) for the drive identity record")
	devRoot := fs.String("dev-root", "", "prefix for /dev paths (tests only)")
	sysRoot := fs.String("sys-root", "", "prefix for /sys paths (tests only)")
	mountInfo := fs.String("mountinfo", "/proc/self/mountinfo", "mount table to verify mounts against")
	nvmePath := fs.String("nvme", "nvme", "nvme-cli binary for the drives' SMART logs in /metrics (empty: none)")
	lockWait := fs.Duration("lock-wait", 10*time.Minute, "how long to wait for another agent on this node (a terminating pod) to release the host lock")
	graidServer := fs.String("graid-server", "", "run this graid_server as a supervised child, stopped last (empty: graid runs elsewhere)")
	graidPre := fs.String("graid-pre", "", "graid_server_pre.sh to run before graid_server (skipped when absent)")
	graidStop := fs.Duration("graid-stop-timeout", DefaultGraidStopTimeout, "SIGTERM-to-SIGKILL time for graid_server (graid.service TimeoutStopSec)")
	fs.Usage = func() {
		fmt.Fprint(stderr, mainUsage)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "node: unexpected arguments %q\n", fs.Args())
		return 2
	}
	if *layoutPath == "" {
		fmt.Fprintln(stderr, "node: --layout is required")
		return 2
	}
	if *once && *graidServer != "" {
		fmt.Fprintln(stderr, "node: --once cannot supervise graid_server (it would stop with the agent)")
		return 2
	}
	if *interval <= 0 || *unmountTimeout <= 0 {
		fmt.Fprintln(stderr, "node: --interval and --unmount-timeout must be positive")
		return 2
	}
	data, err := os.ReadFile(*layoutPath)
	if err != nil {
		fmt.Fprintf(stderr, "node: %v\n", err)
		return 2
	}
	layout, err := ParseLayout(data)
	if err == nil {
		err = layout.Validate()
	}
	if err != nil {
		fmt.Fprintf(stderr, "node: %s: %v\n", *layoutPath, err)
		return 2
	}

	log := slog.New(slog.NewTextHandler(stderr, nil))
	d := RealDeps(*graidctlPath, *hostRoot, log)
	d.DevRoot, d.SysRoot, d.MountInfo = *devRoot, *sysRoot, *mountInfo
	d.StateDir, d.UnmountTimeout = *stateDir, *unmountTimeout

	sinks := multiSink{}
	if *readyFile != "" {
		sinks = append(sinks, ReadyFile{Path: *readyFile})
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if *listen != "" {
		// Liveness fails when no pass has finished for three intervals plus the longest
		// command budget: every external command is bounded, so only a hung agent gets there.
		h := &ReadyHandler{StaleAfter: 3**interval + MkfsTimeout}
		sinks = append(sinks, h)
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			fmt.Fprintf(stderr, "node: %v\n", err)
			return 2
		}
		// The one place HTTP routes are registered.
		mux := http.NewServeMux()
		mux.Handle("/readyz", h)
		mux.Handle("/healthz", h)
		if NewMetricsServer != nil {
			m := NewMetricsServer(d, *nvmePath)
			sinks = append(sinks, m)
			mux.Handle("/metrics", m)
		}
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		fmt.Fprintf(stdout, "serving /readyz, /healthz and /metrics on %s\n", ln.Addr())
	}

	lock, err := AcquireHostLock(ctx, d, *lockWait)
	if err != nil {
		log.Error("not starting: " + err.Error())
		_ = sinks.Set(Status{Reasons: []string{err.Error()}})
		return 1
	}
	defer lock.Release()
	if *once {
		st := Run(ctx, layout, d)
		if err := sinks.Set(st); err != nil {
			log.Error("publishing readiness", "err", err)
		}
		if !st.Ready {
			return 1
		}
		return 0
	}
	var sup *Supervisor
	if *graidServer != "" {
		sup = &Supervisor{Pre: *graidPre, Server: *graidServer, StopTimeout: *graidStop, Log: log}
		if err := sup.Start(ctx); err != nil {
			log.Error("starting graid: " + err.Error())
			return 1
		}
		// Signals other than the stop signals are graid's business.
		fwd := make(chan os.Signal, 4)
		signal.Notify(fwd, syscall.SIGHUP, syscall.SIGUSR1, syscall.SIGUSR2)
		defer signal.Stop(fwd)
		go func() {
			for sig := range fwd {
				sup.Forward(sig)
			}
		}()
	}
	code := 0
	if err := Loop(ctx, layout, d, sinks, *interval); err != nil {
		log.Error("unclean shutdown", "err", err)
		code = 1
	}
	if sup != nil {
		// Last: graid keeps serving until no virtual drive is claimed in any namespace.
		if err := StopWhenReleased(context.Background(), d, sup, time.Second); err != nil {
			log.Error("stopping graid", "err", err)
			code = 1
		}
	}
	return code
}
