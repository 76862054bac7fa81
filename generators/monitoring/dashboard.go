package monitoring

import (
	"encoding/json"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// The console dashboard: a ConfigMap in openshift-config-managed labelled
// console.openshift.io/dashboard=true holding a Grafana dashboard JSON, which the OpenShift
// console shows under Observe > Dashboards, querying the platform's Thanos Querier. The console
// renders a subset of Grafana's (6.x) dashboard model, so only its classic panel types are used:
// row, singlestat, table and graph.

// Dashboard placement and identity.
const (
	DashboardNamespace = "openshift-config-managed"
	DashboardLabel     = "console.openshift.io/dashboard"
	// NodeVariable is the dashboard's node picker; panels filter with node=~"$node".
	NodeVariable = "node"
)

// DashboardName is the ConfigMap's name; the namespace is shared by every console dashboard,
// so the name says whose it is.
func DashboardName(cfg *config.SupremeRAID) string { return cfg.Name + "-supremeraid-dashboard" }

// DashboardKey is the ConfigMap key holding the JSON.
func DashboardKey(cfg *config.SupremeRAID) string { return cfg.Name + "-supremeraid.json" }

// Dashboard is the Grafana dashboard model (the fields the console reads).
type Dashboard struct {
	Title         string     `json:"title"`
	UID           string     `json:"uid"`
	Tags          []string   `json:"tags"`
	Timezone      string     `json:"timezone"`
	Refresh       string     `json:"refresh"`
	SchemaVersion int        `json:"schemaVersion"`
	Time          TimeRange  `json:"time"`
	Templating    Templating `json:"templating"`
	Rows          []Row      `json:"rows"`
}

// TimeRange is the default time range.
type TimeRange struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Templating holds the dashboard variables.
type Templating struct {
	List []Variable `json:"list"`
}

// Variable is a query variable (label_values of a metric).
type Variable struct {
	Name       string        `json:"name"`
	Label      string        `json:"label"`
	Type       string        `json:"type"`
	Datasource string        `json:"datasource"`
	Query      string        `json:"query"`
	Refresh    int           `json:"refresh"`
	IncludeAll bool          `json:"includeAll"`
	AllValue   string        `json:"allValue"`
	Multi      bool          `json:"multi"`
	Current    VariableValue `json:"current"`
	Sort       int           `json:"sort"`
}

// VariableValue is a variable's default selection.
type VariableValue struct {
	Text  string `json:"text"`
	Value string `json:"value"`
}

// Row is a titled band of panels.
type Row struct {
	Title     string  `json:"title"`
	ShowTitle bool    `json:"showTitle"`
	Collapse  bool    `json:"collapse"`
	Height    string  `json:"height"`
	Panels    []Panel `json:"panels"`
}

// Panel is one visualisation with its queries.
type Panel struct {
	ID          int      `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Type        string   `json:"type"`
	Span        int      `json:"span"`
	Datasource  string   `json:"datasource"`
	Format      string   `json:"format,omitempty"`
	Decimals    *int     `json:"decimals,omitempty"`
	Targets     []Target `json:"targets"`
	// singlestat
	ValueName string `json:"valueName,omitempty"`
	// graph
	Lines     bool   `json:"lines,omitempty"`
	Linewidth int    `json:"linewidth,omitempty"`
	YAxes     []Axis `json:"yaxes,omitempty"`
	// table
	Styles []Style `json:"styles,omitempty"`
}

// Target is one PromQL query of a panel.
type Target struct {
	Expr         string `json:"expr"`
	LegendFormat string `json:"legendFormat,omitempty"`
	Format       string `json:"format,omitempty"`
	Instant      bool   `json:"instant,omitempty"`
	RefID        string `json:"refId"`
}

// Axis is a graph axis.
type Axis struct {
	Format string   `json:"format"`
	Min    *float64 `json:"min,omitempty"`
	Max    *float64 `json:"max,omitempty"`
	Show   bool     `json:"show"`
}

// Style formats table columns.
type Style struct {
	Pattern string `json:"pattern"`
	Type    string `json:"type"`
	Alias   string `json:"alias,omitempty"`
}

const datasource = "prometheus"

// Queries, with SEL for the job selector plus the node filter.
var (
	stateTableStyles = []Style{{Pattern: "Time", Type: "hidden"}, {Pattern: "Value", Type: "hidden"}}
	zero, one        = 0.0, 1.0
)

// DashboardModel builds the dashboard for cfg.
func DashboardModel(cfg *config.SupremeRAID) Dashboard {
	sel := Selector(cfg) + `,node=~"$` + NodeVariable + `"`
	q := func(expr string) string { return strings.ReplaceAll(expr, "SEL", sel) }
	id := 0
	panel := func(p Panel) Panel {
		id++
		p.ID, p.Datasource = id, datasource
		for i := range p.Targets {
			p.Targets[i].RefID = string(rune('A' + i))
			p.Targets[i].Expr = q(p.Targets[i].Expr)
		}
		return p
	}
	stat := func(title, desc, expr string) Panel {
		return panel(Panel{Title: title, Description: desc, Type: "singlestat", Span: 3, Format: "none", ValueName: "current",
			Targets: []Target{{Expr: expr, Instant: true}}})
	}
	table := func(title, desc, expr string, span int) Panel {
		return panel(Panel{Title: title, Description: desc, Type: "table", Span: span, Styles: stateTableStyles,
			Targets: []Target{{Expr: expr, Format: "table", Instant: true}}})
	}
	graph := func(title, desc, expr, legend, unit string, min, max *float64) Panel {
		return panel(Panel{Title: title, Description: desc, Type: "graph", Span: 6, Lines: true, Linewidth: 1,
			YAxes:   []Axis{{Format: unit, Min: min, Max: max, Show: true}, {Format: "short", Show: false}},
			Targets: []Target{{Expr: expr, LegendFormat: legend}}})
	}
	return Dashboard{
		Title:         fmt.Sprintf("SupremeRAID / %s", cfg.Name),
		UID:           cfg.Name + "-supremeraid",
		Tags:          []string{"supremeraid", "storage"},
		Timezone:      "utc",
		Refresh:       "30s",
		SchemaVersion: 16,
		Time:          TimeRange{From: "now-6h", To: "now"},
		Templating: Templating{List: []Variable{{
			Name: NodeVariable, Label: "Node", Type: "query", Datasource: datasource,
			Query:   `label_values(supremeraid_agent_ready{` + Selector(cfg) + `}, node)`,
			Refresh: 2, IncludeAll: true, AllValue: ".+", Multi: true, Sort: 1,
			Current: VariableValue{Text: "All", Value: "$__all"},
		}}},
		Rows: []Row{
			{Title: "At a glance", ShowTitle: true, Height: "150px", Panels: []Panel{
				stat("Nodes ready", "Node agents whose last pass mounted every virtual drive.", `sum(supremeraid_agent_ready{SEL})`),
				stat("Drive groups not optimal", "Drive groups in any state but optimal.", `count(supremeraid_drive_group_state{SEL,state!="optimal"} == 1) or vector(0)`),
				stat("Physical drives failed or missing", "Physical drives failed, missing, offline or unconfigured bad.", `count(supremeraid_physical_drive_state{SEL,state=~"failed|missing|offline|unconfigured_bad"} == 1) or vector(0)`),
				stat("Virtual drives not mounted", "Virtual drives whose device is not mounted on their node.", `count(supremeraid_virtual_drive_mounted{SEL} == 0) or vector(0)`),
			}},
			{Title: "Drive groups", ShowTitle: true, Height: "300px", Panels: []Panel{
				table("Drive group state", "One row per node and drive group.", `max by (node, dg, state) (supremeraid_drive_group_state{SEL} == 1)`, 6),
				graph("Rebuild progress", "Rebuild or resync progress of drive groups that report one.", `supremeraid_drive_group_rebuild_progress_ratio{SEL}`, "{{node}} dg {{dg}}", "percentunit", &zero, &one),
			}},
			{Title: "Drive health", ShowTitle: true, Height: "300px", Panels: []Panel{
				table("Physical drives", "graidctl state of every physical drive.", `max by (node, dg, pd, wwid, state) (supremeraid_physical_drive_state{SEL} == 1)`, 6),
				table("NVMe critical warnings", "Drives whose SMART critical warning is set (bit field).", `supremeraid_nvme_critical_warning{SEL} > 0`, 6),
				graph("NVMe temperature", "Composite temperature from each drive's SMART log.", `supremeraid_nvme_temperature_celsius{SEL}`, "{{node}} pd {{pd}}", "celsius", nil, nil),
				graph("NVMe life used", "SMART percentage used: the vendor's estimate of endurance used.", `supremeraid_nvme_percentage_used{SEL}`, "{{node}} pd {{pd}}", "percent", &zero, nil),
			}},
			{Title: "Mounts", ShowTitle: true, Height: "300px", Panels: []Panel{
				table("Virtual drives", "Whether each virtual drive is mounted on its node.", `max by (node, dg, vd) (supremeraid_virtual_drive_mounted{SEL})`, 6),
				graph("Filesystem used", "Share of each mounted virtual drive's filesystem in use.", `1 - supremeraid_filesystem_avail_bytes{SEL} / supremeraid_filesystem_size_bytes{SEL}`, "{{node}} {{dg}}/{{vd}}", "percentunit", &zero, &one),
			}},
			{Title: "Node agent", ShowTitle: true, Height: "250px", Panels: []Panel{
				graph("Refusals by reason", "What the node agent refuses to do until a human resolves it.", `sum by (node, reason) (supremeraid_agent_refusals{SEL}) > 0`, "{{node}} {{reason}}", "short", &zero, nil),
				graph("Seconds since the last pass", "The agent reconciles every 30 s; a growing line means a pass hangs.", `time() - supremeraid_agent_last_pass_timestamp_seconds{SEL}`, "{{node}}", "s", &zero, nil),
			}},
		},
	}
}

func dashboardConfigMap(cfg *config.SupremeRAID) (*corev1.ConfigMap, error) {
	b, err := json.MarshalIndent(DashboardModel(cfg), "", "  ")
	if err != nil {
		return nil, fmt.Errorf("monitoring: encoding the dashboard: %w", err)
	}
	om := meta.Object(cfg, DashboardName(cfg), DashboardNamespace, Component, meta.WaveFoundation)
	om.Labels[DashboardLabel] = "true"
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: om,
		Data:       map[string]string{DashboardKey(cfg): string(b) + "\n"},
	}, nil
}
