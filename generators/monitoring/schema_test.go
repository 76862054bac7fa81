package monitoring_test

import (
	"strings"
	"testing"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/crdcheck"
	"supremeraid.dev/supremeraid-fn/generators/internal/testconfig"
	"supremeraid.dev/supremeraid-fn/generators/monitoring"
)

// TestPrometheusOperatorSchemas checks the ServiceMonitor and PrometheusRule as the API server
// would with prometheus-operator's CRDs (v0.81.0, generators/internal/crdcheck/testdata/crds):
// known fields, patterns (durations, label names), namespaced scope, nothing pruned.
func TestPrometheusOperatorSchemas(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
	}{
		"defaults":          {reason: "the objects of a minimal config"},
		"sync waves":        {reason: "the Argo CD annotation is plain metadata", mutate: func(c *config.SupremeRAID) { c.Spec.ArgoCD.SyncWaves = true }},
		"own namespace":     {reason: "another namespace and name", mutate: func(c *config.SupremeRAID) { c.Name, c.Spec.Namespace = "raid-b", "storage-b" }},
		"runbooks":          {reason: "a published runbook URL", mutate: func(c *config.SupremeRAID) { c.Spec.Monitoring.RunbookBaseURL = "https://docs.example.com/m" }},
		"without dashboard": {reason: "dashboard off changes nothing here", mutate: func(c *config.SupremeRAID) { f := false; c.Spec.Monitoring.Dashboard = &f }},
	}
	crds := map[string]string{
		monitoring.KindServiceMonitor: "monitoring.coreos.com_servicemonitors.yaml",
		monitoring.KindPrometheusRule: "monitoring.coreos.com_prometheusrules.yaml",
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := monitoring.Generate(testconfig.Valid(t, tc.mutate))
			if err != nil {
				t.Fatal(err)
			}
			checked := 0
			for _, o := range objs {
				switch v := o.(type) {
				case *monitoring.ServiceMonitor:
					crdcheck.Validate(t, crds[v.Kind], v)
					checked++
				case *monitoring.PrometheusRule:
					crdcheck.Validate(t, crds[v.Kind], v)
					checked++
				}
			}
			if checked != 2 {
				t.Fatalf("%s: checked %d custom resources, want 2", tc.reason, checked)
			}
		})
	}
}

// TestSchemaCheckCatchesMistakes proves the check is not vacuous: a wrong field, a bad
// duration and a missing namespace are each reported.
func TestSchemaCheckCatchesMistakes(t *testing.T) {
	rule := map[string]any{
		"apiVersion": monitoring.APIVersion, "kind": monitoring.KindPrometheusRule,
		"metadata": map[string]any{"name": "x"},
		"spec": map[string]any{"groups": []any{map[string]any{"name": "g", "rules": []any{
			map[string]any{"alert": "A", "expr": "up == 0", "for": "5 minutes", "severity": "critical"},
		}}}},
	}
	errs, err := crdcheck.Check("monitoring.coreos.com_prometheusrules.yaml", rule)
	if err != nil {
		t.Fatal(err)
	}
	var text []string
	for _, e := range errs {
		text = append(text, e.Error())
	}
	for _, want := range []string{"metadata.namespace", "spec.groups[0].rules[0].for", "spec.groups[0].rules[0].severity"} {
		found := false
		for _, e := range text {
			if contains(e, want) {
				found = true
			}
		}
		if !found {
			t.Errorf("want an error at %s, got %q", want, text)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
