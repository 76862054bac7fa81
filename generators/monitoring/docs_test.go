package monitoring

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const docsFile = "../../docs/monitoring.md"

// documentedMetrics are the metric names of the docs' metrics table.
func documentedMetrics(t *testing.T, doc string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^\\| `(supremeraid_[a-z_]+)` \\|").FindAllStringSubmatch(doc, -1) {
		out[m[1]] = true
	}
	require.NotEmpty(t, out)
	return out
}

// TestDocsRunbooks: every alert has a runbook section whose anchor is the one its runbook_url
// points at, a row in the alert table, and a meaning and an action.
func TestDocsRunbooks(t *testing.T) {
	b, err := os.ReadFile(docsFile)
	require.NoError(t, err)
	doc := string(b)
	for _, a := range Alerts {
		heading := "\n### " + a.Name + "\n"
		i := strings.Index(doc, heading)
		if !assert.GreaterOrEqual(t, i, 0, "%s has no runbook section", a.Name) {
			continue
		}
		assert.Equal(t, strings.ToLower(a.Name), a.Anchor(), "GitHub's anchor of the heading")
		section := doc[i+len(heading):]
		if next := strings.Index(section, "\n#"); next >= 0 {
			section = section[:next]
		}
		for _, part := range []string{"**Meaning.**", "**Impact.**", "**Action.**"} {
			assert.Contains(t, section, part, "%s runbook", a.Name)
		}
		assert.Contains(t, doc, "| ["+a.Name+"](#"+a.Anchor()+") | "+a.Severity+" |", "%s: row in the alert table with its severity", a.Name)
	}
	assert.Equal(t, len(Alerts), strings.Count(doc, "\n### SupremeRAID"), "no runbook for an alert that does not exist")
}

// TestDocsMetricsUsed: every metric an alert or the dashboard reads is documented (the exporter's
// own test in fn/agent/metrics checks the table against what it exports).
func TestDocsMetricsUsed(t *testing.T) {
	b, err := os.ReadFile(docsFile)
	require.NoError(t, err)
	documented := documentedMetrics(t, string(b))
	used := regexp.MustCompile(`supremeraid_[a-z_]+`)
	cfg := testConfig(t, nil)
	var exprs []string
	for _, a := range Alerts {
		exprs = append(exprs, a.ExprFor(cfg))
	}
	for _, q := range queries(t) {
		exprs = append(exprs, q)
	}
	for _, e := range exprs {
		for _, name := range used.FindAllString(e, -1) {
			assert.True(t, documented[name], "%s (in %q) is not in docs/monitoring.md's metrics table", name, e)
		}
	}
}
