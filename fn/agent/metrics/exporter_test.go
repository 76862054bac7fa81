package metrics

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/fn/agent/graidctl"
	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
)

// The test binary doubles as graidctl (the simulator) and as nvme (printing a recorded SMART
// log), chosen by the name it is run under: the exporter execs both like the real tools.
const smartDirEnv = "METRICS_TEST_SMART_DIR"

func TestMain(m *testing.M) {
	switch filepath.Base(os.Args[0]) {
	case "graidctl":
		os.Exit(graidctlsim.Main(os.Args[1:], os.Stdout, os.Stderr))
	case "nvme":
		os.Exit(fakeNVMe(os.Args[1:]))
	}
	os.Exit(m.Run())
}

// fakeNVMe answers `nvme smart-log <dev> --output-format=json` with $METRICS_TEST_SMART_DIR/<dev
// name>.json, and fails like nvme-cli when there is none.
func fakeNVMe(args []string) int {
	if len(args) != 3 || args[0] != "smart-log" || args[2] != "--output-format=json" {
		os.Stderr.WriteString("fake nvme: unexpected arguments " + strings.Join(args, " ") + "\n")
		return 2
	}
	b, err := os.ReadFile(filepath.Join(os.Getenv(smartDirEnv), filepath.Base(args[1])+".json"))
	if err != nil {
		os.Stderr.WriteString("identify: No such file or directory\n")
		return 1
	}
	os.Stdout.Write(b)
	return 0
}

// node is one simulated SupremeRAID node: four NVMe SSDs as a RAID5 drive group with one
// virtual drive, mounted.
type node struct {
	t         *testing.T
	root      string // simulated /dev and /sys
	statePath string
	smartDir  string
	mounts    []Mount
	exp       *Exporter
	now       time.Time
}

func newNode(t *testing.T) *node {
	t.Helper()
	dir := t.TempDir()
	n := &node{t: t, root: filepath.Join(dir, "node"), statePath: filepath.Join(dir, "state.json"),
		smartDir: filepath.Join(dir, "smart"), now: time.Unix(1_700_000_000, 0)}
	require.NoError(t, os.MkdirAll(n.smartDir, 0o755))
	bin := filepath.Join(dir, "bin")
	require.NoError(t, os.MkdirAll(bin, 0o755))
	exe, err := os.Executable()
	require.NoError(t, err)
	for _, name := range []string{"graidctl", "nvme"} {
		require.NoError(t, os.Symlink(exe, filepath.Join(bin, name)))
	}
	require.NoError(t, (&graidctlsim.State{}).Save(n.statePath))
	for i := range 4 {
		name := "nvme" + string(rune('0'+i)) + "n1"
		require.NoError(t, graidctlsim.AddNVMe(n.root, name, "eui.000000000000000"+string(rune('0'+i)), 64<<20))
		n.smart("gpd"+string(rune('0'+i)), "smart-log-healthy.json")
	}
	n.graidctl("apply", "license", "KEY")
	n.graidctl("create", "pd", "/dev/nvme0-3")
	n.graidctl("create", "dg", "raid5", "0-3")
	n.graidctl("create", "vd", "0")
	// A new group reports INIT for its first listings (the simulator's initialisation); list it
	// until it is OPTIMAL so each test starts from a healthy node.
	n.graidctl("ls", "dg")
	n.graidctl("ls", "dg")
	n.mounts = []Mount{{Source: "/dev/sda4", MountPoint: "/sysroot"}, {Source: filepath.Join(n.root, "dev/gdg0n1"), MountPoint: t.TempDir()}}
	runner := graidctl.ExecRunner{Env: append(os.Environ(),
		graidctlsim.EnvState+"="+n.statePath, graidctlsim.EnvRoot+"="+n.root, smartDirEnv+"="+n.smartDir)}
	n.exp = New(Sources{
		Runner: runner, GraidctlPath: filepath.Join(bin, "graidctl"), NVMePath: filepath.Join(bin, "nvme"),
		DevRoot: n.root, Mounts: func() ([]Mount, error) { return n.mounts, nil },
	}, func() time.Time { return n.now })
	return n
}

func (n *node) graidctl(args ...string) {
	n.t.Helper()
	var out, errOut bytes.Buffer
	require.Zero(n.t, graidctlsim.Run(args, n.statePath, n.root, &out, &errOut), "graidctl %v: %s", args, errOut.String())
}

// fault changes the simulator's state as a failing drive would.
func (n *node) fault(f func(*graidctlsim.State)) {
	n.t.Helper()
	st, err := graidctlsim.LoadState(n.statePath)
	require.NoError(n.t, err)
	f(st)
	require.NoError(n.t, st.Save(n.statePath))
}

func (n *node) smart(dev, fixture string) {
	n.t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", fixture))
	require.NoError(n.t, err)
	require.NoError(n.t, os.WriteFile(filepath.Join(n.smartDir, dev+".json"), b, 0o644))
}

func (n *node) refresh() {
	n.t.Helper()
	require.NoError(n.t, n.exp.Refresh(context.Background()))
}

// value is the one sample of a metric with exactly these labels, or fails.
func (n *node) value(name string, labels map[string]string) float64 {
	n.t.Helper()
	v, ok := n.lookup(name, labels)
	require.True(n.t, ok, "no sample %s%v", name, labels)
	return v
}

func (n *node) lookup(name string, labels map[string]string) (float64, bool) {
	n.t.Helper()
	mfs, err := n.exp.Registry().Gather()
	require.NoError(n.t, err)
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
	metric:
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, lp := range m.GetLabel() {
				got[lp.GetName()] = lp.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue metric
				}
			}
			switch {
			case m.Gauge != nil:
				return m.GetGauge().GetValue(), true
			case m.Counter != nil:
				return m.GetCounter().GetValue(), true
			}
		}
	}
	return 0, false
}

// state is the state whose stateset sample is 1.
func (n *node) state(name string, labels map[string]string, states []string) string {
	n.t.Helper()
	current := ""
	for _, s := range states {
		l := map[string]string{"state": s}
		for k, v := range labels {
			l[k] = v
		}
		if n.value(name, l) == 1 {
			require.Empty(n.t, current, "%s%v: two states at once", name, labels)
			current = s
		}
	}
	return current
}

func (n *node) pdState(pd string) string {
	return n.state("supremeraid_physical_drive_state", map[string]string{"pd": pd, "dg": "0"}, PhysicalDriveStates)
}

func (n *node) dgState() string {
	return n.state("supremeraid_drive_group_state", map[string]string{"dg": "0"}, GroupStates)
}

var vd0 = map[string]string{"dg": "0", "vd": "0"}

func TestExporterHealthyNode(t *testing.T) {
	n := newNode(t)
	n.refresh()
	assert.Equal(t, 1.0, n.value("supremeraid_graidctl_up", nil))
	assert.Equal(t, 1.0, n.value("supremeraid_license_active", nil))
	assert.Equal(t, 1.0, n.value("supremeraid_controller_online", map[string]string{"controller": "0"}))
	for _, pd := range []string{"0", "1", "2", "3"} {
		assert.Equal(t, "online", n.pdState(pd), "pd %s", pd)
		assert.Equal(t, 1.0, n.value("supremeraid_nvme_smart_log_up", map[string]string{"pd": pd}))
		assert.Equal(t, 0.0, n.value("supremeraid_nvme_critical_warning", map[string]string{"pd": pd}))
		assert.InDelta(t, 34.85, n.value("supremeraid_nvme_temperature_celsius", map[string]string{"pd": pd}), 1e-9)
		assert.Equal(t, 2.0, n.value("supremeraid_nvme_percentage_used", map[string]string{"pd": pd}))
		assert.Equal(t, 1.0, n.value("supremeraid_nvme_available_spare_ratio", map[string]string{"pd": pd}))
		assert.Equal(t, 0.0, n.value("supremeraid_nvme_media_errors_total", map[string]string{"pd": pd}))
	}
	assert.Equal(t, 1.0, n.value("supremeraid_physical_drive_state", map[string]string{"pd": "2", "wwid": "eui.0000000000000002", "state": "online"}),
		"the WWID names the SSD across renumbering")
	assert.Equal(t, "optimal", n.dgState())
	assert.Equal(t, 1.0, n.value("supremeraid_drive_group_info", map[string]string{"dg": "0", "level": "raid5"}))
	_, ok := n.lookup("supremeraid_drive_group_rebuild_progress_ratio", nil)
	assert.False(t, ok, "no progress while nothing rebuilds")
	assert.Equal(t, "optimal", n.state("supremeraid_virtual_drive_state", vd0, GroupStates))
	assert.Equal(t, 1.0, n.value("supremeraid_virtual_drive_mounted", vd0))
	assert.Equal(t, float64(graidctlsim.DefaultVDFileBytes), n.value("supremeraid_virtual_drive_size_bytes", vd0))
	assert.Positive(t, n.value("supremeraid_filesystem_size_bytes", vd0))
	assert.Positive(t, n.value("supremeraid_filesystem_avail_bytes", vd0))
	assert.LessOrEqual(t, n.value("supremeraid_filesystem_avail_bytes", vd0), n.value("supremeraid_filesystem_free_bytes", vd0))
	assert.Equal(t, float64(n.now.Unix()), n.value("supremeraid_exporter_last_refresh_timestamp_seconds", nil))
	for _, s := range ErrorSources {
		assert.Equal(t, 0.0, n.value("supremeraid_exporter_errors_total", map[string]string{"source": s}), s)
	}
}

func TestExporterFailedDrive(t *testing.T) {
	n := newNode(t)
	n.refresh()
	require.Equal(t, "optimal", n.dgState())
	n.fault(func(st *graidctlsim.State) { st.FailDrive(2) })
	n.refresh()
	assert.Equal(t, "failed", n.pdState("2"))
	assert.Equal(t, "online", n.pdState("1"), "the other drives stay online")
	assert.Equal(t, "degraded", n.dgState())
	assert.Equal(t, "degraded", n.state("supremeraid_virtual_drive_state", vd0, GroupStates))
	assert.Equal(t, 1.0, n.value("supremeraid_virtual_drive_mounted", vd0), "a degraded VD stays mounted")

	// The whole drive group family as Prometheus scrapes it.
	want := `# HELP supremeraid_drive_group_state Drive group state as graidctl reports it: 1 for the current state, 0 for the others.
# TYPE supremeraid_drive_group_state gauge
supremeraid_drive_group_state{dg="0",state="degraded"} 1
supremeraid_drive_group_state{dg="0",state="failed"} 0
supremeraid_drive_group_state{dg="0",state="inactive"} 0
supremeraid_drive_group_state{dg="0",state="init"} 0
supremeraid_drive_group_state{dg="0",state="offline"} 0
supremeraid_drive_group_state{dg="0",state="optimal"} 0
supremeraid_drive_group_state{dg="0",state="other"} 0
supremeraid_drive_group_state{dg="0",state="partially_degraded"} 0
supremeraid_drive_group_state{dg="0",state="recovery"} 0
supremeraid_drive_group_state{dg="0",state="resync"} 0
`
	require.NoError(t, testutil.GatherAndCompare(n.exp.Registry(), strings.NewReader(want), "supremeraid_drive_group_state"))
	assert.Equal(t, 8, testutil.CollectAndCount(n.exp.Registry(), "supremeraid_physical_drive_state")/4, "every PD has all 8 states")
}

func TestExporterMissingDrive(t *testing.T) {
	n := newNode(t)
	n.fault(func(st *graidctlsim.State) { st.RemoveDrive(0) })
	require.NoError(t, os.Remove(filepath.Join(n.smartDir, "gpd0.json"))) // a pulled SSD answers nothing
	n.refresh()
	assert.Equal(t, "missing", n.pdState("0"))
	assert.Equal(t, "degraded", n.dgState())
	assert.Equal(t, 0.0, n.value("supremeraid_nvme_smart_log_up", map[string]string{"pd": "0"}))
	_, ok := n.lookup("supremeraid_nvme_critical_warning", map[string]string{"pd": "0"})
	assert.False(t, ok, "no health values for a drive that did not answer")
	assert.Equal(t, 1.0, n.value("supremeraid_nvme_smart_log_up", map[string]string{"pd": "1"}))
	assert.Equal(t, 1.0, n.value("supremeraid_exporter_errors_total", map[string]string{"source": "nvme"}))
}

func TestExporterRebuild(t *testing.T) {
	n := newNode(t)
	n.fault(func(st *graidctlsim.State) { st.FailDrive(3) })
	n.refresh()
	require.Equal(t, "degraded", n.dgState())
	n.fault(func(st *graidctlsim.State) { st.StartRebuild(3, 12.5) })
	n.refresh()
	assert.Equal(t, "rebuild", n.pdState("3"))
	assert.Equal(t, "recovery", n.dgState())
	assert.Equal(t, 0.125, n.value("supremeraid_drive_group_rebuild_progress_ratio", map[string]string{"dg": "0"}))
	n.fault(func(st *graidctlsim.State) { st.StartRebuild(3, 80) })
	n.refresh()
	assert.Equal(t, 0.8, n.value("supremeraid_drive_group_rebuild_progress_ratio", map[string]string{"dg": "0"}))
	n.fault(func(st *graidctlsim.State) { st.Heal() })
	n.refresh()
	assert.Equal(t, "online", n.pdState("3"))
	assert.Equal(t, "optimal", n.dgState())
	_, ok := n.lookup("supremeraid_drive_group_rebuild_progress_ratio", nil)
	assert.False(t, ok, "the progress disappears with the rebuild")
}

func TestExporterUnmountedVirtualDrive(t *testing.T) {
	n := newNode(t)
	n.refresh()
	require.Equal(t, 1.0, n.value("supremeraid_virtual_drive_mounted", vd0))
	n.mounts = n.mounts[:1] // the VD's mount is gone; the root filesystem stays
	n.refresh()
	assert.Equal(t, 0.0, n.value("supremeraid_virtual_drive_mounted", vd0))
	assert.Equal(t, "optimal", n.state("supremeraid_virtual_drive_state", vd0, GroupStates), "the VD itself is fine")
	_, ok := n.lookup("supremeraid_filesystem_size_bytes", vd0)
	assert.False(t, ok, "no filesystem usage without a mount")
}

func TestExporterMountedThroughLink(t *testing.T) {
	n := newNode(t)
	link := filepath.Join(t.TempDir(), "by-id-link")
	require.NoError(t, os.Symlink(filepath.Join(n.root, "dev/gdg0n1"), link))
	n.mounts[1].Source = link
	n.refresh()
	assert.Equal(t, 1.0, n.value("supremeraid_virtual_drive_mounted", vd0), "a mount source that links to the device counts")
}

func TestExporterNoLicense(t *testing.T) {
	n := newNode(t)
	n.fault(func(st *graidctlsim.State) { st.Licensed = false })
	n.refresh()
	assert.Equal(t, 0.0, n.value("supremeraid_license_active", nil))
	assert.Equal(t, 0.0, n.value("supremeraid_controller_online", map[string]string{"controller": "0"}))
}

func TestExporterWornHotDrive(t *testing.T) {
	n := newNode(t)
	n.smart("gpd1", "smart-log-worn-hot.json")
	n.refresh()
	pd1 := map[string]string{"pd": "1"}
	assert.Equal(t, 2.0, n.value("supremeraid_nvme_critical_warning", pd1))
	assert.Equal(t, 93.0, n.value("supremeraid_nvme_percentage_used", pd1))
	assert.InDelta(t, 76.85, n.value("supremeraid_nvme_temperature_celsius", pd1), 1e-9)
	assert.Equal(t, 4.0, n.value("supremeraid_nvme_media_errors_total", pd1))
	assert.Equal(t, 0.41, n.value("supremeraid_nvme_available_spare_ratio", pd1))
	assert.Equal(t, 0.1, n.value("supremeraid_nvme_available_spare_threshold_ratio", pd1))
	assert.Equal(t, 0.0, n.value("supremeraid_nvme_critical_warning", map[string]string{"pd": "0"}))
}

func TestExporterGraidctlFails(t *testing.T) {
	n := newNode(t)
	n.refresh()
	n.fault(func(st *graidctlsim.State) { st.FailOnce = []string{"ls dg"} })
	require.Error(t, n.exp.Refresh(context.Background()))
	assert.Equal(t, 0.0, n.value("supremeraid_graidctl_up", nil))
	assert.Equal(t, 1.0, n.value("supremeraid_exporter_errors_total", map[string]string{"source": "graidctl"}))
	for _, name := range []string{"supremeraid_drive_group_state", "supremeraid_physical_drive_state", "supremeraid_virtual_drive_mounted", "supremeraid_license_active"} {
		_, ok := n.lookup(name, nil)
		assert.False(t, ok, "%s: no stale RAID state once graidctl cannot be read", name)
	}
	n.refresh() // the simulated failure happened once
	assert.Equal(t, 1.0, n.value("supremeraid_graidctl_up", nil))
	assert.Equal(t, "optimal", n.dgState())
}

func TestExporterPasses(t *testing.T) {
	n := newNode(t)
	start := float64(n.now.Unix())
	assert.Equal(t, start, n.value("supremeraid_agent_last_pass_timestamp_seconds", nil), "the start time until a pass finishes")
	assert.Equal(t, 0.0, n.value("supremeraid_agent_last_success_timestamp_seconds", nil))

	n.now = n.now.Add(30 * time.Second)
	n.exp.ObservePass(Pass{Ready: true})
	assert.Equal(t, 1.0, n.value("supremeraid_agent_ready", nil))
	assert.Equal(t, start+30, n.value("supremeraid_agent_last_success_timestamp_seconds", nil))

	refusals := []string{
		"driveGroups[0].physicalDrives[0]: /dev/nvme0n1 holds xfs (UUID x); refusing to make it a SupremeRAID physical drive because its data would be destroyed. If that data may go, set allowInitialize: true for this drive",
		"driveGroups[0].physicalDrives[1]: /dev/nvme1n1 holds gpt; refusing to make it a SupremeRAID physical drive because its data would be destroyed. If that data may go, set allowInitialize: true for this drive",
		"driveGroups[1].physicalDrives[0]: device /dev/nvme4n1 not found and no SupremeRAID physical drive is recorded for it; check the device path and that the SSD is installed",
	}
	for range 2 {
		n.now = n.now.Add(30 * time.Second)
		n.exp.ObservePass(Pass{Refused: true, Reasons: refusals})
	}
	assert.Equal(t, 0.0, n.value("supremeraid_agent_ready", nil))
	assert.Equal(t, start+90, n.value("supremeraid_agent_last_pass_timestamp_seconds", nil))
	assert.Equal(t, start+30, n.value("supremeraid_agent_last_success_timestamp_seconds", nil), "refused passes are no success")
	assert.Equal(t, 2.0, n.value("supremeraid_agent_refusals", map[string]string{"reason": "drive_has_data"}), "the last pass's count, not a sum")
	assert.Equal(t, 1.0, n.value("supremeraid_agent_refusals", map[string]string{"reason": "drive_missing"}))
	assert.Equal(t, 0.0, n.value("supremeraid_agent_refusals", map[string]string{"reason": "license"}))
	assert.Equal(t, 4.0, n.value("supremeraid_agent_refusals_total", map[string]string{"reason": "drive_has_data"}))
	assert.Equal(t, 2.0, n.value("supremeraid_agent_passes_total", map[string]string{"result": "refused"}))

	n.exp.ObservePass(Pass{Reasons: []string{"checking SupremeRAID controllers (is graid_server running?): exit status 1"}})
	assert.Equal(t, 0.0, n.value("supremeraid_agent_refusals", map[string]string{"reason": "drive_has_data"}), "resolved refusals drop to 0")
	assert.Equal(t, 0.0, n.value("supremeraid_agent_refusals", map[string]string{"reason": "other"}), "errors are no refusals")
	assert.Equal(t, 1.0, n.value("supremeraid_agent_passes_total", map[string]string{"result": "not_ready"}))
}

// TestExporterLint runs client_golang's metric linter (naming, units, help) over a full scrape.
func TestExporterLint(t *testing.T) {
	n := newNode(t)
	n.refresh()
	n.exp.ObservePass(Pass{Ready: true})
	problems, err := testutil.GatherAndLint(n.exp.Registry())
	require.NoError(t, err)
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

// TestExporterLabelsBounded checks that no label value of a full scrape is free-form text: every
// one is an ID, a WWID, or a member of a fixed set.
func TestExporterLabelsBounded(t *testing.T) {
	n := newNode(t)
	n.fault(func(st *graidctlsim.State) { st.SetDriveGroupState(0, "Some New State: details") })
	n.refresh()
	n.exp.ObservePass(Pass{Refused: true, Reasons: []string{"a sentence nobody classified, with /paths and (details)"}})
	mfs, err := n.exp.Registry().Gather()
	require.NoError(t, err)
	allowed := map[string][]string{"state": append(append([]string{}, PhysicalDriveStates...), GroupStates...), "reason": Reasons,
		"source": ErrorSources, "result": {"ready", "not_ready", "refused"}, "level": {"raid0", "raid1", "raid5", "raid6", "raid10"}}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				name, value := lp.GetName(), lp.GetValue()
				switch name {
				case "pd", "dg", "vd", "controller":
					assert.Regexp(t, `^[0-9]*$`, value, "%s %s", mf.GetName(), name)
				case "wwid":
					assert.Regexp(t, `^eui\.[0-9]+$`, value, mf.GetName())
				default:
					require.Contains(t, allowed, name, "%s: unexpected label %s", mf.GetName(), name)
					assert.Contains(t, allowed[name], value, "%s %s", mf.GetName(), name)
				}
			}
		}
	}
	assert.Equal(t, "other", n.dgState(), "an unknown state is reported as other")
}
