// Package metrics is the node agent's Prometheus exporter: the controller and license state,
// every physical drive's graidctl state and NVMe health, every drive group's state and rebuild
// progress, every virtual drive's state, mount and filesystem usage, and how the agent's
// reconcile passes go (last pass, last success, refusals by reason).
//
// The agent calls ObservePass and Refresh after each pass; a scrape only reads that snapshot,
// so Prometheus never makes the node run graidctl or nvme-cli. Label values are IDs, WWIDs and
// fixed enums (states.go, reasons.go), never free-form text. The node label is not set here:
// the ServiceMonitor copies it from the pod's node name.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

const ns = "supremeraid"

// Pass is the outcome of one agent reconcile pass.
type Pass struct {
	Ready   bool
	Refused bool
	// Reasons are the agent's sentences; when Refused they are filed under Reasons.
	Reasons []string
}

// Exporter holds the latest snapshot and serves it.
type Exporter struct {
	src Sources
	now func() time.Time
	reg *prometheus.Registry

	mu          sync.RWMutex
	inv         *Inventory // nil while graidctl cannot be read
	lastRefresh time.Time

	ready         prometheus.Gauge
	lastPass      prometheus.Gauge
	lastSuccess   prometheus.Gauge
	refusing      *prometheus.GaugeVec
	refusalsTotal *prometheus.CounterVec
	passesTotal   *prometheus.CounterVec
	errorsTotal   *prometheus.CounterVec
}

// Refresh-error sources (the `source` label of supremeraid_exporter_errors_total).
var ErrorSources = []string{"graidctl", "nvme", "mounts", "statfs"}

// New returns an exporter reading from src. now is the clock (nil: time.Now).
func New(src Sources, now func() time.Time) *Exporter {
	if now == nil {
		now = time.Now
	}
	e := &Exporter{src: src, now: now, reg: prometheus.NewRegistry()}
	e.ready = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "agent_ready",
		Help: "1 when the last reconcile pass left the node ready (every virtual drive mounted), else 0."})
	e.lastPass = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "agent_last_pass_timestamp_seconds",
		Help: "Unix time the last reconcile pass finished (the agent's start time until the first pass finishes)."})
	e.lastSuccess = prometheus.NewGauge(prometheus.GaugeOpts{Namespace: ns, Name: "agent_last_success_timestamp_seconds",
		Help: "Unix time of the last reconcile pass that left the node ready; 0 if none yet."})
	e.refusing = prometheus.NewGaugeVec(prometheus.GaugeOpts{Namespace: ns, Name: "agent_refusals",
		Help: "Refusals in the last reconcile pass, by reason: the node differs from the layout and only a human may resolve it."}, []string{"reason"})
	e.refusalsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "agent_refusals_total",
		Help: "Refusals over all reconcile passes, by reason."}, []string{"reason"})
	e.passesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "agent_passes_total",
		Help: "Reconcile passes by result (ready, not_ready, refused)."}, []string{"result"})
	e.errorsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: "exporter_errors_total",
		Help: "Snapshot refreshes in which a source could not be read (graidctl, nvme, mounts, statfs)."}, []string{"source"})
	for _, r := range Reasons {
		e.refusing.WithLabelValues(r).Set(0)
		e.refusalsTotal.WithLabelValues(r)
	}
	for _, r := range []string{"ready", "not_ready", "refused"} {
		e.passesTotal.WithLabelValues(r)
	}
	for _, s := range ErrorSources {
		e.errorsTotal.WithLabelValues(s)
	}
	e.lastPass.Set(float64(now().Unix()))
	e.reg.MustRegister(e.ready, e.lastPass, e.lastSuccess, e.refusing, e.refusalsTotal, e.passesTotal, e.errorsTotal, inventoryCollector{e})
	return e
}

// Registry is the exporter's own registry (no Go runtime or process metrics: the agent's
// health is what matters, and the kubelet already reports the container's resources).
func (e *Exporter) Registry() *prometheus.Registry { return e.reg }

// Handler serves the metrics in the Prometheus exposition formats.
func (e *Exporter) Handler() http.Handler {
	return promhttp.HandlerFor(e.reg, promhttp.HandlerOpts{})
}

// ObservePass records a finished reconcile pass.
func (e *Exporter) ObservePass(p Pass) {
	now := float64(e.now().Unix())
	e.lastPass.Set(now)
	counts := map[string]float64{}
	if p.Refused {
		for _, msg := range p.Reasons {
			counts[Reason(msg)]++
		}
	}
	for _, r := range Reasons {
		e.refusing.WithLabelValues(r).Set(counts[r])
		e.refusalsTotal.WithLabelValues(r).Add(counts[r])
	}
	switch {
	case p.Ready:
		e.ready.Set(1)
		e.lastSuccess.Set(now)
		e.passesTotal.WithLabelValues("ready").Inc()
	case p.Refused:
		e.ready.Set(0)
		e.passesTotal.WithLabelValues("refused").Inc()
	default:
		e.ready.Set(0)
		e.passesTotal.WithLabelValues("not_ready").Inc()
	}
}

// Refresh reads a new snapshot. It returns the error that kept graidctl from being read, if
// any; the snapshot's RAID metrics then disappear and supremeraid_graidctl_up is 0.
func (e *Exporter) Refresh(ctx context.Context) error {
	inv, partial, err := gather(ctx, e.src)
	for source, perr := range partial {
		if perr != nil {
			e.errorsTotal.WithLabelValues(source).Inc()
		}
	}
	if err != nil {
		e.errorsTotal.WithLabelValues("graidctl").Inc()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inv, e.lastRefresh = inv, e.now()
	return err
}

// inventoryCollector turns the snapshot into metrics at scrape time.
type inventoryCollector struct{ e *Exporter }

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName(ns, "", name), help, labels, nil)
}

var (
	descGraidctlUp  = desc("graidctl_up", "1 when the last snapshot could list the RAID with graidctl, else 0 (the RAID metrics below are then absent).")
	descRefreshTime = desc("exporter_last_refresh_timestamp_seconds", "Unix time of the last snapshot.")
	descLicense     = desc("license_active", "1 when at least one SupremeRAID controller is ONLINE (licensed and running), else 0.")
	descController  = desc("controller_online", "1 when the controller is ONLINE, else 0.", "controller")
	descPDState     = desc("physical_drive_state", "Physical drive state as graidctl reports it: 1 for the current state, 0 for the others.", "pd", "dg", "wwid", "state")
	descDGState     = desc("drive_group_state", "Drive group state as graidctl reports it: 1 for the current state, 0 for the others.", "dg", "state")
	descDGInfo      = desc("drive_group_info", "Drive group RAID level (always 1).", "dg", "level")
	descDGProgress  = desc("drive_group_rebuild_progress_ratio", "Rebuild or resync progress of the drive group (0-1), present while graidctl reports one.", "dg")
	descVDState     = desc("virtual_drive_state", "Virtual drive state as graidctl reports it: 1 for the current state, 0 for the others.", "dg", "vd", "state")
	descVDMounted   = desc("virtual_drive_mounted", "1 when the virtual drive's device is mounted in the agent's mount table, else 0.", "dg", "vd")
	descVDSize      = desc("virtual_drive_size_bytes", "Size of the virtual drive's block device.", "dg", "vd")
	descFSSize      = desc("filesystem_size_bytes", "Size of the filesystem on a mounted virtual drive.", "dg", "vd")
	descFSFree      = desc("filesystem_free_bytes", "Free bytes of the filesystem on a mounted virtual drive.", "dg", "vd")
	descFSAvail     = desc("filesystem_avail_bytes", "Bytes available to unprivileged users on a mounted virtual drive.", "dg", "vd")
	descSmartUp     = desc("nvme_smart_log_up", "1 when the drive's NVMe SMART log could be read in the last snapshot, else 0.", "pd", "wwid")
	descCritical    = desc("nvme_critical_warning", "NVMe SMART critical warning bit field (0 = none; bit 0 spare, 1 temperature, 2 reliability, 3 read-only, 4 volatile backup, 5 PMR read-only).", "pd", "wwid")
	descPercentUsed = desc("nvme_percentage_used", "NVMe SMART percentage used: vendor estimate of the life used, in percent (may exceed 100).", "pd", "wwid")
	descSpare       = desc("nvme_available_spare_ratio", "NVMe SMART available spare (0-1).", "pd", "wwid")
	descSpareThresh = desc("nvme_available_spare_threshold_ratio", "NVMe SMART available spare threshold (0-1).", "pd", "wwid")
	descTemperature = desc("nvme_temperature_celsius", "NVMe SMART composite temperature in degrees Celsius.", "pd", "wwid")
	descMediaErrors = desc("nvme_media_errors_total", "NVMe SMART media and data integrity errors over the drive's life.", "pd", "wwid")
	inventoryDescs  = []*prometheus.Desc{descGraidctlUp, descRefreshTime, descLicense, descController, descPDState, descDGState, descDGInfo, descDGProgress, descVDState, descVDMounted, descVDSize, descFSSize, descFSFree, descFSAvail, descSmartUp, descCritical, descPercentUsed, descSpare, descSpareThresh, descTemperature, descMediaErrors}
)

func (c inventoryCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range inventoryDescs {
		ch <- d
	}
}

func (c inventoryCollector) Collect(ch chan<- prometheus.Metric) {
	c.e.mu.RLock()
	inv, refreshed := c.e.inv, c.e.lastRefresh
	c.e.mu.RUnlock()
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	if !refreshed.IsZero() {
		gauge(descRefreshTime, float64(refreshed.Unix()))
	}
	if inv == nil {
		gauge(descGraidctlUp, 0)
		return
	}
	gauge(descGraidctlUp, 1)
	licensed := 0.0
	for _, cx := range inv.Controllers {
		online := b2f(normalise(cx.State) == "ONLINE")
		licensed = max(licensed, online)
		gauge(descController, online, strconv.Itoa(cx.ID))
	}
	gauge(descLicense, licensed)
	for _, pd := range inv.PhysicalDrives {
		id, dg := strconv.Itoa(pd.ID), ""
		if pd.DG != nil {
			dg = strconv.Itoa(*pd.DG)
		}
		state := PhysicalDriveState(pd.State)
		for _, s := range PhysicalDriveStates {
			gauge(descPDState, b2f(s == state), id, dg, pd.Wwid, s)
		}
		if c.e.src.NVMePath == "" {
			continue
		}
		gauge(descSmartUp, b2f(pd.Health != nil), id, pd.Wwid)
		if h := pd.Health; h != nil {
			gauge(descCritical, float64(h.CriticalWarning), id, pd.Wwid)
			if h.HasPercentUsed {
				gauge(descPercentUsed, h.PercentUsed, id, pd.Wwid)
			}
			if h.HasAvailSpare {
				gauge(descSpare, h.AvailableSpare/100, id, pd.Wwid)
			}
			if h.HasSpareThreshold {
				gauge(descSpareThresh, h.SpareThreshold/100, id, pd.Wwid)
			}
			if h.HasTemperature && h.TemperatureK > 0 {
				gauge(descTemperature, h.TemperatureCelsius(), id, pd.Wwid)
			}
			if h.HasMediaErrors {
				ch <- prometheus.MustNewConstMetric(descMediaErrors, prometheus.CounterValue, h.MediaErrors, id, pd.Wwid)
			}
		}
	}
	for _, g := range inv.DriveGroups {
		id := strconv.Itoa(g.ID)
		state := GroupState(g.State)
		for _, s := range GroupStates {
			gauge(descDGState, b2f(s == state), id, s)
		}
		gauge(descDGInfo, 1, id, strings.ToLower(normalise(g.Mode)))
		if g.Progress != nil {
			gauge(descDGProgress, min(max(*g.Progress/100, 0), 1), id)
		}
	}
	for _, v := range inv.VirtualDrives {
		dg, id := strconv.Itoa(v.DG), strconv.Itoa(v.ID)
		state := GroupState(v.State)
		for _, s := range GroupStates {
			gauge(descVDState, b2f(s == state), dg, id, s)
		}
		gauge(descVDMounted, b2f(v.MountPoint != ""), dg, id)
		if v.SizeBytes != nil {
			gauge(descVDSize, *v.SizeBytes, dg, id)
		}
		if fs := v.FS; fs != nil {
			gauge(descFSSize, fs.SizeBytes, dg, id)
			gauge(descFSFree, fs.FreeBytes, dg, id)
			gauge(descFSAvail, fs.AvailBytes, dg, id)
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
