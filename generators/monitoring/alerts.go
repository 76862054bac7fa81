package monitoring

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Alert is one alerting rule as this project defines it; docs/monitoring.md has a runbook
// section per alert (anchor: the alert name in lower case), and the rule tests
// (testdata/alerts_test.yaml, run by promtool) make each one fire on its failure series and
// stay silent on healthy ones.
type Alert struct {
	Name     string
	Severity string // critical: act now, data is at risk; warning: act soon
	For      string
	// Expr uses SEL where the selector of our scrape job goes, e.g. metric{SEL}.
	Expr        string
	Summary     string
	Description string
}

// Alerts in the order they are emitted.
var Alerts = []Alert{
	{
		Name: "SupremeRAIDPhysicalDriveFailed", Severity: "critical", For: "1m",
		Expr:        `supremeraid_physical_drive_state{SEL,state=~"failed|missing|offline|unconfigured_bad"} == 1`,
		Summary:     "SupremeRAID physical drive {{ $labels.pd }} on {{ $labels.node }} is {{ $labels.state }}",
		Description: "Physical drive {{ $labels.pd }} (WWID {{ $labels.wwid }}) of drive group {{ $labels.dg }} on node {{ $labels.node }} is {{ $labels.state }}. Its drive group has lost redundancy: one more failure can lose data. Replace the SSD and rebuild.",
	},
	{
		Name: "SupremeRAIDDriveGroupFailed", Severity: "critical", For: "1m",
		Expr:        `supremeraid_drive_group_state{SEL,state=~"failed|offline|inactive"} == 1`,
		Summary:     "SupremeRAID drive group {{ $labels.dg }} on {{ $labels.node }} is {{ $labels.state }}",
		Description: "Drive group {{ $labels.dg }} on node {{ $labels.node }} is {{ $labels.state }}: its virtual drives cannot serve data. Do not delete or re-create anything; follow the runbook.",
	},
	{
		Name: "SupremeRAIDDriveGroupDegraded", Severity: "critical", For: "5m",
		Expr:        `supremeraid_drive_group_state{SEL,state=~"degraded|partially_degraded|recovery"} == 1`,
		Summary:     "SupremeRAID drive group {{ $labels.dg }} on {{ $labels.node }} is {{ $labels.state }}",
		Description: "Drive group {{ $labels.dg }} on node {{ $labels.node }} is {{ $labels.state }}: it runs without full redundancy until a rebuild completes. A second drive failure before that can lose data.",
	},
	{
		Name: "SupremeRAIDRebuildNotProgressing", Severity: "warning", For: "30m",
		Expr:        `(supremeraid_drive_group_state{SEL,state=~"recovery|resync"} == 1) and on (node, dg) (delta(supremeraid_drive_group_rebuild_progress_ratio{SEL}[30m]) <= 0)`,
		Summary:     "SupremeRAID rebuild of drive group {{ $labels.dg }} on {{ $labels.node }} is not progressing",
		Description: "Drive group {{ $labels.dg }} on node {{ $labels.node }} has been rebuilding for an hour without its progress moving. The group stays degraded meanwhile.",
	},
	{
		Name: "SupremeRAIDVirtualDriveNotMounted", Severity: "critical", For: "5m",
		Expr:        `supremeraid_virtual_drive_mounted{SEL} == 0`,
		Summary:     "SupremeRAID virtual drive {{ $labels.dg }}/{{ $labels.vd }} on {{ $labels.node }} is not mounted",
		Description: "Virtual drive {{ $labels.vd }} of drive group {{ $labels.dg }} on node {{ $labels.node }} is not mounted: workloads on that node do not see their data there.",
	},
	{
		Name: "SupremeRAIDFilesystemAlmostFull", Severity: "warning", For: "15m",
		Expr:        `supremeraid_filesystem_avail_bytes{SEL} / supremeraid_filesystem_size_bytes{SEL} < 0.10`,
		Summary:     "SupremeRAID virtual drive {{ $labels.dg }}/{{ $labels.vd }} on {{ $labels.node }} is almost full",
		Description: "The filesystem on virtual drive {{ $labels.vd }} of drive group {{ $labels.dg }} on node {{ $labels.node }} has {{ $value | humanizePercentage }} of its space left.",
	},
	{
		Name: "SupremeRAIDLicenseMissing", Severity: "critical", For: "10m",
		Expr:        `supremeraid_license_active{SEL} == 0`,
		Summary:     "No licensed SupremeRAID controller on {{ $labels.node }}",
		Description: "No SupremeRAID controller on node {{ $labels.node }} is ONLINE, which is what a missing or rejected license looks like: the node's drive groups cannot be used or created.",
	},
	{
		Name: "SupremeRAIDAgentRefusing", Severity: "warning", For: "5m",
		Expr:        `sum by (node, reason) (supremeraid_agent_refusals{SEL}) > 0`,
		Summary:     "SupremeRAID node agent on {{ $labels.node }} refuses to act ({{ $labels.reason }})",
		Description: "The node agent on {{ $labels.node }} found the node different from the layout ({{ $labels.reason }}) and changes nothing until a human resolves it. The exact reason is in the agent's log and /readyz.",
	},
	{
		Name: "SupremeRAIDNodeNotReady", Severity: "warning", For: "15m",
		Expr:        `(supremeraid_agent_ready{SEL} == 0) unless on (node) (sum by (node) (supremeraid_agent_refusals{SEL}) > 0)`,
		Summary:     "SupremeRAID node {{ $labels.node }} is not ready",
		Description: "The node agent on {{ $labels.node }} has not brought the node to ready (every virtual drive mounted) for 15 minutes, and it is not refusing: a step keeps failing. The agent's log says which.",
	},
	{
		Name: "SupremeRAIDAgentStale", Severity: "warning", For: "10m",
		Expr:        `time() - supremeraid_agent_last_pass_timestamp_seconds{SEL} > 300`,
		Summary:     "SupremeRAID node agent on {{ $labels.node }} has not finished a pass for over 5 minutes",
		Description: "The node agent on {{ $labels.node }} reconciles every 30 seconds but has not finished a pass for {{ $value | humanizeDuration }}: a command it runs (graidctl, mkfs, mount) hangs.",
	},
	{
		Name: "SupremeRAIDAgentDown", Severity: "warning", For: "10m",
		Expr:        `up{SEL} == 0`,
		Summary:     "SupremeRAID node agent on {{ $labels.node }} cannot be scraped",
		Description: "Prometheus cannot scrape the node agent on {{ $labels.node }}: nothing about that node's RAID is known.",
	},
	{
		Name: "SupremeRAIDStateUnreadable", Severity: "warning", For: "5m",
		Expr:        `supremeraid_graidctl_up{SEL} == 0`,
		Summary:     "SupremeRAID state on {{ $labels.node }} cannot be read",
		Description: "The node agent on {{ $labels.node }} cannot list the RAID with graidctl (is graid_server running?): drive and drive group alerts cannot fire for this node meanwhile.",
	},
	{
		Name: "SupremeRAIDUnknownState", Severity: "warning", For: "15m",
		Expr:        `supremeraid_physical_drive_state{SEL,state="other"} == 1 or supremeraid_drive_group_state{SEL,state="other"} == 1 or supremeraid_virtual_drive_state{SEL,state="other"} == 1`,
		Summary:     "SupremeRAID on {{ $labels.node }} reports a state this project does not know",
		Description: "graidctl on node {{ $labels.node }} reports a state the exporter does not know for drive group {{ $labels.dg }}{{ with $labels.pd }}, physical drive {{ . }}{{ end }}{{ with $labels.vd }}, virtual drive {{ . }}{{ end }}. Treat it as unhealthy and check it with graidctl.",
	},
	{
		Name: "SupremeRAIDNVMeCriticalWarning", Severity: "critical", For: "1m",
		Expr:        `supremeraid_nvme_critical_warning{SEL} > 0`,
		Summary:     "NVMe drive {{ $labels.pd }} on {{ $labels.node }} reports a critical warning",
		Description: "Physical drive {{ $labels.pd }} (WWID {{ $labels.wwid }}) on node {{ $labels.node }} sets NVMe critical warning bits {{ $value }} (spare, temperature, reliability, read-only or backup failure). Plan its replacement now.",
	},
	{
		Name: "SupremeRAIDNVMeWearHigh", Severity: "warning", For: "1h",
		Expr:        `supremeraid_nvme_percentage_used{SEL} >= 90`,
		Summary:     "NVMe drive {{ $labels.pd }} on {{ $labels.node }} has used {{ $value }}% of its rated life",
		Description: "Physical drive {{ $labels.pd }} (WWID {{ $labels.wwid }}) on node {{ $labels.node }} reports {{ $value }}% of its endurance used. Replace it before it wears out.",
	},
	{
		Name: "SupremeRAIDNVMeTemperatureHigh", Severity: "warning", For: "10m",
		Expr:        `supremeraid_nvme_temperature_celsius{SEL} >= 70`,
		Summary:     "NVMe drive {{ $labels.pd }} on {{ $labels.node }} is at {{ $value }} °C",
		Description: "Physical drive {{ $labels.pd }} (WWID {{ $labels.wwid }}) on node {{ $labels.node }} has been at or above 70 °C for 10 minutes. Hot drives throttle and wear faster: check the node's cooling.",
	},
	{
		Name: "SupremeRAIDNVMeMediaErrors", Severity: "warning",
		Expr:        `increase(supremeraid_nvme_media_errors_total{SEL}[1h]) > 0`,
		Summary:     "NVMe drive {{ $labels.pd }} on {{ $labels.node }} reports new media errors",
		Description: "Physical drive {{ $labels.pd }} (WWID {{ $labels.wwid }}) on node {{ $labels.node }} reported new unrecovered media or data integrity errors in the last hour. Unless its drive group is RAID 0, the RAID served that data from redundancy; the drive itself is failing.",
	},
}

// Anchor is the alert's runbook section anchor in docs/monitoring.md.
func (a Alert) Anchor() string { return strings.ToLower(a.Name) }

// Selector matches the series of our scrape job (its job label is the Service's name).
func Selector(cfg *config.SupremeRAID) string { return `job="` + ServiceName(cfg) + `"` }

// ExprFor is the alert's expression for this config.
func (a Alert) ExprFor(cfg *config.SupremeRAID) string {
	return strings.ReplaceAll(a.Expr, "SEL", Selector(cfg))
}

// RuleGroupName is the one rule group of the PrometheusRule.
const RuleGroupName = "supremeraid"

func prometheusRule(cfg *config.SupremeRAID) *PrometheusRule {
	base := cfg.Spec.RunbookBaseURL()
	rules := make([]Rule, 0, len(Alerts))
	for _, a := range Alerts {
		rules = append(rules, Rule{
			Alert:  a.Name,
			Expr:   intstr.FromString(a.ExprFor(cfg)),
			For:    a.For,
			Labels: map[string]string{"severity": a.Severity},
			Annotations: map[string]string{
				"summary":     a.Summary,
				"description": a.Description,
				"runbook_url": base + "#" + a.Anchor(),
			},
		})
	}
	return &PrometheusRule{
		TypeMeta:   metav1.TypeMeta{APIVersion: APIVersion, Kind: KindPrometheusRule},
		ObjectMeta: meta.Object(cfg, RuleName(cfg), cfg.Spec.Namespace, Component, meta.WaveOperands),
		Spec:       PrometheusRuleSpec{Groups: []RuleGroup{{Name: RuleGroupName, Rules: rules}}},
	}
}
