package monitoring

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"
)

// testdata/rules.yaml is the rule file of the test config's PrometheusRule (its spec is exactly
// a Prometheus rule file); testdata/alerts_test.yaml holds promtool unit tests against it. The
// golden test keeps the file current, so promtool always tests the rules the function emits.
const (
	rulesFile = "testdata/rules.yaml"
	testsFile = "testdata/alerts_test.yaml"
)

func TestRulesGolden(t *testing.T) {
	got, err := yaml.Marshal(prometheusRule(testConfig(t, nil)).Spec)
	require.NoError(t, err)
	if updateGolden {
		require.NoError(t, os.WriteFile(rulesFile, got, 0o644))
	}
	want, err := os.ReadFile(rulesFile)
	require.NoError(t, err, "run with UPDATE_GOLDEN=1 to create it")
	assert.Equal(t, string(want), string(got), "rules changed: review, then UPDATE_GOLDEN=1 go test ./generators/monitoring -run Golden")
}

func runPromtool(t *testing.T, args ...string) string {
	t.Helper()
	out, err := execOutput(promtool(t), args...)
	require.NoError(t, err, "promtool %v:\n%s", args, out)
	return out
}

func execOutput(bin string, args ...string) (string, error) {
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestPromtoolCheckRules: every expression parses, every template expands, every duration is
// valid, as Prometheus itself would load the file.
func TestPromtoolCheckRules(t *testing.T) {
	out := runPromtool(t, "check", "rules", rulesFile)
	assert.Contains(t, out, "SUCCESS")
}

// TestPromtoolTestRules runs the alert unit tests: each alert fires on its failure series with
// the expected labels and annotations, and stays silent on healthy series.
func TestPromtoolTestRules(t *testing.T) {
	out := runPromtool(t, "test", "rules", testsFile)
	assert.Contains(t, out, "SUCCESS")
}

// TestEveryAlertTested: the promtool tests cover every alert both ways.
func TestEveryAlertTested(t *testing.T) {
	b, err := os.ReadFile(testsFile)
	require.NoError(t, err)
	var suite struct {
		RuleFiles []string `json:"rule_files"`
		Tests     []struct {
			Name          string `json:"name"`
			AlertRuleTest []struct {
				Alertname string           `json:"alertname"`
				ExpAlerts []map[string]any `json:"exp_alerts"`
			} `json:"alert_rule_test"`
		} `json:"tests"`
	}
	require.NoError(t, yaml.Unmarshal(b, &suite))
	assert.Equal(t, []string{filepath.Base(rulesFile)}, suite.RuleFiles)
	fires, silent := map[string]int{}, map[string]int{}
	for _, tc := range suite.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname]++
			} else {
				silent[a.Alertname]++
			}
		}
	}
	for _, a := range Alerts {
		assert.Positive(t, fires[a.Name], "%s: no promtool test where it fires", a.Name)
		assert.Positive(t, silent[a.Name], "%s: no promtool test where it stays silent", a.Name)
	}
}
