package config

import (
	"net/url"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// DefaultRunbookBaseURL is the runbook link base when spec.monitoring.runbookBaseURL is empty:
// the runbooks' path in this project.
const DefaultRunbookBaseURL = "docs/monitoring.md"

// MonitoringEnabled reports spec.monitoring.enabled (default true).
func (s *Spec) MonitoringEnabled() bool { return s.Monitoring.Enabled == nil || *s.Monitoring.Enabled }

// MonitoringDashboard reports whether the console dashboard is emitted (default true, and only
// with monitoring enabled).
func (s *Spec) MonitoringDashboard() bool {
	return s.MonitoringEnabled() && (s.Monitoring.Dashboard == nil || *s.Monitoring.Dashboard)
}

// RunbookBaseURL is spec.monitoring.runbookBaseURL or its default.
func (s *Spec) RunbookBaseURL() string {
	if s.Monitoring.RunbookBaseURL == "" {
		return DefaultRunbookBaseURL
	}
	return s.Monitoring.RunbookBaseURL
}

// validateMonitoring checks spec.monitoring.
func validateMonitoring(p *field.Path, m *Monitoring) field.ErrorList {
	var errs field.ErrorList
	if m.Enabled != nil && !*m.Enabled && m.Dashboard != nil && *m.Dashboard {
		errs = append(errs, field.Invalid(p.Child("dashboard"), true,
			"the dashboard shows the metrics that monitoring.enabled collects: set monitoring.enabled to true or remove dashboard"))
	}
	if u := m.RunbookBaseURL; u != "" {
		bp := p.Child("runbookBaseURL")
		parsed, err := url.Parse(u)
		switch {
		case strings.ContainsAny(u, " \t\n\"'<>{}`"):
			errs = append(errs, field.Invalid(bp, u, "must be a URL without spaces, quotes, braces or angle brackets"))
		case err != nil:
			errs = append(errs, field.Invalid(bp, u, "must be a URL: "+err.Error()))
		case parsed.Fragment != "" || strings.Contains(u, "#"):
			errs = append(errs, field.Invalid(bp, u, "must not contain '#': each alert appends its own section anchor"))
		case parsed.Scheme != "" && parsed.Scheme != "https" && parsed.Scheme != "http":
			errs = append(errs, field.NotSupported(bp, parsed.Scheme+"://", []string{"https://", "http://", "a relative path"}))
		case parsed.Scheme != "" && parsed.Host == "":
			errs = append(errs, field.Invalid(bp, u, "an http(s) URL needs a host"))
		}
	}
	return errs
}
