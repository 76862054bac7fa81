package opachart

import (
	"strings"
	"testing"
)

func TestLoadChartDefaults(t *testing.T) {
	v := load(t, "")
	checks := []struct {
		what   string
		reason string
		ok     bool
	}{
		{"useHttps true", "the chart serves TLS by default", v.UseHTTPS},
		{"authz enabled", "token authz is the chart default", v.Authz.Enabled},
		{"admission controller disabled", "the chart installs no webhook unless told", !v.AdmissionController.Enabled},
		{"kind ValidatingWebhookConfiguration", "the chart's default kind", v.AdmissionController.Kind == "ValidatingWebhookConfiguration"},
		{"replicate path kubernetes", "where kube-mgmt puts replicated objects", v.Mgmt.Replicate.Path == "kubernetes"},
		{"log format json", "the chart's OPA log format", v.LogFormat == "json" && v.LogLevel == "info"},
		{"data and policies enabled", "kube-mgmt loads both kinds of ConfigMap by default", v.Mgmt.Data.Enabled && v.Mgmt.Policies.Enabled},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("chart default %s does not hold (%s)", c.what, c.reason)
		}
	}
}

func TestLoadMergesGeneratedOverDefaults(t *testing.T) {
	v := load(t, generatedValues)
	if !v.AdmissionController.Enabled || v.AdmissionController.Kind != "MutatingWebhookConfiguration" {
		t.Errorf("admissionController = %+v, want our enabled mutating webhook", v.AdmissionController)
	}
	sel := v.lookup("admissionController", "namespaceSelector", "matchExpressions").([]any)
	if len(sel) != 2 {
		t.Errorf("namespaceSelector.matchExpressions = %v, want our 2 entries replacing the chart's NotIn-ignore entry", sel)
	}
	if v.lookup("timeoutSeconds") != float64(5) {
		t.Errorf("timeoutSeconds = %v, want 5 (the chart has none by default)", v.lookup("timeoutSeconds"))
	}
	if v.Mgmt.Replicate.Path != "kubernetes" {
		t.Errorf("mgmt.replicate.path = %q: the chart default must survive the merge of our mgmt map", v.Mgmt.Replicate.Path)
	}
}

func TestLoadRefuses(t *testing.T) {
	tests := []struct {
		name, reason, generated, want string
	}{
		{"duplicate key", "Helm's result would depend on the parser", "useHttps: true\nuseHttps: false\n", `key "useHttps" already set`},
		{"not a mapping", "values are a YAML mapping", "- a\n- b\n", "must be a YAML mapping"},
		{"wrong type", "authz.enabled is a bool", "authz: {enabled: sometimes}\n", "chart's types"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(chartDefaults(t), []byte(tc.generated))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Load = %v, want an error containing %q (%s)", err, tc.want, tc.reason)
			}
		})
	}
}
