package metrics

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
)

// The generated alerts (generators/monitoring/testdata/rules.yaml, kept current by that
// package's golden test) evaluated by promtool on what this exporter really exports for a
// broken node: label names, state values and reasons must line up between the two.

const (
	rulesGolden = "../../../generators/monitoring/testdata/rules.yaml"
	testJob     = "graid-node-metrics" // the test config's Service name, as in rules.yaml
	testNode    = "worker-1"
)

func promtoolBin(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PROMTOOL"); p != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := filepath.Abs("../../../bin/promtool"); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("promtool"); err == nil {
		return p
	}
	msg := "promtool not found (`make tools` builds bin/promtool)"
	if os.Getenv("SUPREMERAID_REQUIRE_TOOLS") == "1" {
		t.Fatalf("SUPREMERAID_REQUIRE_TOOLS=1 but %s", msg)
	}
	t.Skip(msg)
	return ""
}

// inputSeries turns a scrape into promtool input series, constant over the test, with the
// labels the ServiceMonitor's scrape adds.
func (n *node) inputSeries(t *testing.T) []map[string]string {
	t.Helper()
	mfs, err := n.exp.Registry().Gather()
	require.NoError(t, err)
	out := []map[string]string{{"series": fmt.Sprintf(`up{job=%q,node=%q}`, testJob, testNode), "values": "1x120"}}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := []string{fmt.Sprintf("job=%q", testJob), fmt.Sprintf("node=%q", testNode)}
			for _, lp := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", lp.GetName(), lp.GetValue()))
			}
			sort.Strings(labels)
			v := m.GetGauge().GetValue()
			if m.Counter != nil {
				v = m.GetCounter().GetValue()
			}
			values := fmt.Sprintf("%gx120", v)
			if strings.HasSuffix(mf.GetName(), "_timestamp_seconds") {
				values = "0+60x120" // a live agent: the pass and refresh times keep up with the clock
			}
			out = append(out, map[string]string{"series": mf.GetName() + "{" + strings.Join(labels, ",") + "}", "values": values})
		}
	}
	return out
}

// assertAlerts runs promtool on the rules (annotations left out: their text is tested in
// generators/monitoring) and checks that exactly the wanted label sets fire at 60m, per alert.
func assertAlerts(t *testing.T, series []map[string]string, want map[string][]map[string]string) {
	t.Helper()
	bin := promtoolBin(t)
	b, err := os.ReadFile(rulesGolden)
	require.NoError(t, err)
	var rules struct {
		Groups []struct {
			Name  string           `json:"name"`
			Rules []map[string]any `json:"rules"`
		} `json:"groups"`
	}
	require.NoError(t, yaml.Unmarshal(b, &rules))
	var names []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			delete(r, "annotations")
			names = append(names, r["alert"].(string))
		}
	}
	dir := t.TempDir()
	rb, err := yaml.Marshal(rules)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), rb, 0o644))
	var checks []map[string]any
	for _, name := range names {
		exp := []map[string]any{}
		for _, l := range want[name] {
			labels := map[string]string{"job": testJob, "node": testNode}
			for k, v := range l {
				labels[k] = v
			}
			if _, ok := l["job"]; ok && l["job"] == "" {
				delete(labels, "job")
			}
			exp = append(exp, map[string]any{"exp_labels": labels})
		}
		checks = append(checks, map[string]any{"eval_time": "60m", "alertname": name, "exp_alerts": exp})
	}
	tb, err := yaml.Marshal(map[string]any{"rule_files": []string{"rules.yaml"}, "evaluation_interval": "1m",
		"tests": []any{map[string]any{"interval": "1m", "input_series": series, "alert_rule_test": checks}}})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "test.yaml"), tb, 0o644))
	out, err := exec.Command(bin, "test", "rules", filepath.Join(dir, "test.yaml")).CombinedOutput()
	require.NoError(t, err, "%s", out)
}

func TestAlertsOnHealthyNode(t *testing.T) {
	n := newNode(t)
	n.refresh()
	n.exp.ObservePass(Pass{Ready: true})
	assertAlerts(t, n.inputSeries(t), nil)
}

func TestAlertsOnBrokenNode(t *testing.T) {
	n := newNode(t)
	n.fault(func(st *graidctlsim.State) { st.FailDrive(2) })
	n.smart("gpd1", "smart-log-worn-hot.json")
	n.mounts = n.mounts[:1]
	n.refresh()
	n.exp.ObservePass(Pass{Refused: true, Reasons: []string{
		"driveGroups[0].physicalDrives[4]: /dev/nvme4n1 holds xfs (UUID x); refusing to make it a SupremeRAID physical drive because its data would be destroyed. If that data may go, set allowInitialize: true for this drive",
	}})
	pd1 := map[string]string{"pd": "1", "wwid": "eui.0000000000000001"}
	assertAlerts(t, n.inputSeries(t), map[string][]map[string]string{
		"SupremeRAIDPhysicalDriveFailed":    {{"pd": "2", "dg": "0", "wwid": "eui.0000000000000002", "state": "failed", "severity": "critical"}},
		"SupremeRAIDDriveGroupDegraded":     {{"dg": "0", "state": "degraded", "severity": "critical"}},
		"SupremeRAIDVirtualDriveNotMounted": {{"dg": "0", "vd": "0", "severity": "critical"}},
		"SupremeRAIDAgentRefusing":          {{"job": "", "reason": "drive_has_data", "severity": "warning"}},
		"SupremeRAIDNVMeCriticalWarning":    {merge(pd1, map[string]string{"severity": "critical"})},
		"SupremeRAIDNVMeWearHigh":           {merge(pd1, map[string]string{"severity": "warning"})},
		"SupremeRAIDNVMeTemperatureHigh":    {merge(pd1, map[string]string{"severity": "warning"})},
	})
}

func TestAlertsOnRebuildAndLicense(t *testing.T) {
	n := newNode(t)
	n.fault(func(st *graidctlsim.State) {
		st.StartRebuild(3, 30)
		st.Licensed = false
	})
	n.refresh()
	n.exp.ObservePass(Pass{})
	assertAlerts(t, n.inputSeries(t), map[string][]map[string]string{
		// progress constant for an hour: stuck
		"SupremeRAIDRebuildNotProgressing": {{"dg": "0", "state": "recovery", "severity": "warning"}},
		"SupremeRAIDDriveGroupDegraded":    {{"dg": "0", "state": "recovery", "severity": "critical"}},
		"SupremeRAIDLicenseMissing":        {{"severity": "critical"}},
		"SupremeRAIDNodeNotReady":          {{"severity": "warning"}},
	})
}

func merge(a, b map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}
