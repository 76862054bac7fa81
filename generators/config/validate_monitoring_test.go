package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestValidateMonitoring(t *testing.T) {
	yes, no := true, false
	cases := map[string]struct {
		reason string
		in     Monitoring
		want   []string // "path: detail fragment", one per error
	}{
		"defaults":          {reason: "nothing set: monitoring and dashboard on"},
		"off":               {reason: "monitoring off, dashboard unset", in: Monitoring{Enabled: &no}},
		"dashboard off":     {reason: "metrics and alerts without the dashboard", in: Monitoring{Dashboard: &no}},
		"https runbooks":    {reason: "a published copy of the docs", in: Monitoring{RunbookBaseURL: "https://docs.example.com/supremeraid/monitoring.html"}},
		"relative runbooks": {reason: "the default kind of value", in: Monitoring{RunbookBaseURL: "docs/monitoring.md"}},
		"dashboard without metrics": {
			reason: "an explicit dashboard with monitoring off shows nothing",
			in:     Monitoring{Enabled: &no, Dashboard: &yes},
			want:   []string{"spec.monitoring.dashboard: Invalid value: true: the dashboard shows the metrics"},
		},
		"anchor": {
			reason: "each alert appends its own anchor",
			in:     Monitoring{RunbookBaseURL: "https://docs.example.com/monitoring#alerts"},
			want:   []string{"spec.monitoring.runbookBaseURL: Invalid value: \"https://docs.example.com/monitoring#alerts\": must not contain '#'"},
		},
		"scheme": {
			reason: "only links a browser opens",
			in:     Monitoring{RunbookBaseURL: "javascript://alert(1)"},
			want:   []string{"spec.monitoring.runbookBaseURL: Unsupported value: \"javascript://\""},
		},
		"no host": {
			reason: "https:///path has no host",
			in:     Monitoring{RunbookBaseURL: "https:///monitoring"},
			want:   []string{"spec.monitoring.runbookBaseURL: Invalid value: \"https:///monitoring\": an http(s) URL needs a host"},
		},
		"template injection": {
			reason: "the URL lands in alert annotations, which Prometheus expands as templates",
			in:     Monitoring{RunbookBaseURL: "https://x.example/{{ $labels }}"},
			want:   []string{"spec.monitoring.runbookBaseURL: Invalid value: \"https://x.example/{{ $labels }}\": must be a URL without spaces"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := kmmConfig()
			c.Spec.Monitoring = tc.in
			c.Default()
			var got []string
			for _, e := range c.Validate() {
				got = append(got, e.Error())
			}
			assert.Len(t, got, len(tc.want), "%s: %q", tc.reason, got)
			for i := range min(len(got), len(tc.want)) {
				assert.Contains(t, got[i], tc.want[i], tc.reason)
			}
		})
	}
}

func TestMonitoringSwitches(t *testing.T) {
	yes, no := true, false
	cases := map[string]struct {
		reason             string
		in                 Monitoring
		enabled, dashboard bool
		runbooks           string
	}{
		"defaults":      {reason: "on by default", enabled: true, dashboard: true, runbooks: "docs/monitoring.md"},
		"off":           {reason: "no dashboard without monitoring", in: Monitoring{Enabled: &no}, runbooks: "docs/monitoring.md"},
		"dashboard off": {reason: "alerts only", in: Monitoring{Enabled: &yes, Dashboard: &no}, enabled: true, runbooks: "docs/monitoring.md"},
		"own runbooks":  {reason: "published docs", in: Monitoring{RunbookBaseURL: "https://d.example/m"}, enabled: true, dashboard: true, runbooks: "https://d.example/m"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			s := &Spec{Monitoring: tc.in}
			assert.Equal(t, tc.enabled, s.MonitoringEnabled(), tc.reason)
			assert.Equal(t, tc.dashboard, s.MonitoringDashboard(), tc.reason)
			assert.Equal(t, tc.runbooks, s.RunbookBaseURL(), tc.reason)
		})
	}
}
