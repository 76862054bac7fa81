package monitoring

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// dashboardJSON is the dashboard exactly as the ConfigMap carries it.
func dashboardJSON(t *testing.T) (map[string]any, *corev1.ConfigMap) {
	t.Helper()
	cm, err := dashboardConfigMap(testConfig(t, nil))
	require.NoError(t, err)
	require.Len(t, cm.Data, 1)
	var d map[string]any
	require.NoError(t, json.Unmarshal([]byte(cm.Data["graid-supremeraid.json"]), &d), "the dashboard is JSON")
	return d, cm
}

func TestDashboardConfigMap(t *testing.T) {
	d, cm := dashboardJSON(t)
	assert.Equal(t, "openshift-config-managed", cm.Namespace)
	assert.Equal(t, "true", cm.Labels["console.openshift.io/dashboard"])
	assert.Equal(t, "SupremeRAID / graid", d["title"])
	panels := 0
	ids := map[float64]bool{}
	for _, r := range d["rows"].([]any) {
		for _, p := range r.(map[string]any)["panels"].([]any) {
			p := p.(map[string]any)
			panels++
			assert.Contains(t, []string{"singlestat", "table", "graph"}, p["type"], "%s: a panel type the console renders", p["title"])
			assert.False(t, ids[p["id"].(float64)], "panel ids are unique")
			ids[p["id"].(float64)] = true
			for _, tg := range p["targets"].([]any) {
				expr := tg.(map[string]any)["expr"].(string)
				assert.Contains(t, expr, `job="graid-node-metrics"`, "%s only reads our scrape job", p["title"])
				assert.Contains(t, expr, `node=~"$node"`, "%s follows the node picker", p["title"])
			}
		}
	}
	assert.GreaterOrEqual(t, panels, 12)
	vars := d["templating"].(map[string]any)["list"].([]any)
	require.Len(t, vars, 1)
	assert.Equal(t, "node", vars[0].(map[string]any)["name"])
}

// queries returns every PromQL query of the dashboard with the node variable replaced by what
// the console substitutes for "All", and the variable's label_values selector.
func queries(t *testing.T) map[string]string {
	t.Helper()
	d, _ := dashboardJSON(t)
	out := map[string]string{}
	for _, r := range d["rows"].([]any) {
		for _, p := range r.(map[string]any)["panels"].([]any) {
			p := p.(map[string]any)
			for i, tg := range p["targets"].([]any) {
				expr := tg.(map[string]any)["expr"].(string)
				out[fmt.Sprintf("supremeraid:dashboard_panel_%v_%d", p["id"], i)] = strings.ReplaceAll(expr, "$node", ".+")
			}
		}
	}
	v := d["templating"].(map[string]any)["list"].([]any)[0].(map[string]any)
	m := regexp.MustCompile(`^label_values\((.+), node\)$`).FindStringSubmatch(v["query"].(string))
	require.NotNil(t, m, "the node variable is label_values(<selector>, node)")
	out["supremeraid:dashboard_variable_node"] = m[1]
	return out
}

// TestDashboardQueriesArePromQL has promtool parse every panel query: each becomes a recording
// rule of a throw-away rule file, which `promtool check rules` loads as Prometheus would.
func TestDashboardQueriesArePromQL(t *testing.T) {
	bin := promtool(t)
	qs := queries(t)
	var rules []map[string]string
	for _, name := range sortedKeys(qs) {
		rules = append(rules, map[string]string{"record": name, "expr": qs[name]})
	}
	b, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboard", "rules": rules}}})
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "dashboard-queries.yaml")
	require.NoError(t, os.WriteFile(file, b, 0o644))
	t.Setenv("PROMTOOL", bin)
	out := runPromtool(t, "check", "rules", file)
	assert.Contains(t, out, fmt.Sprintf("SUCCESS: %d rules found", len(qs)))
}

// TestDashboardQueryCheckCatchesMistakes: the check above is not vacuous.
func TestDashboardQueryCheckCatchesMistakes(t *testing.T) {
	bin := promtool(t)
	file := filepath.Join(t.TempDir(), "bad.yaml")
	require.NoError(t, os.WriteFile(file, []byte("groups:\n- name: x\n  rules:\n  - record: x:y\n    expr: sum by (node (supremeraid_agent_ready)\n"), 0o644))
	out, err := execOutput(bin, "check", "rules", file)
	require.Error(t, err, "a broken query must fail: %s", out)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
