package opachart

import (
	"encoding/base64"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

const testURL = "https://127.0.0.1:8443/"

var testCA = []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")

func TestMutatingWebhook(t *testing.T) {
	got, err := MutatingWebhook(load(t, generatedValues), testURL, testCA)
	if err != nil {
		t.Fatal(err)
	}
	want := `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: graid-opa
webhooks:
- admissionReviewVersions:
  - v1
  - v1beta1
  clientConfig:
    caBundle: ` + base64.StdEncoding.EncodeToString(testCA) + `
    url: https://127.0.0.1:8443/
  failurePolicy: Fail
  name: webhook.openpolicyagent.org
  namespaceSelector:
    matchExpressions:
    - key: openpolicyagent.org/webhook
      operator: In
      values:
      - enabled
    - key: supremeraid.dev/tenant
      operator: In
      values:
      - "true"
  rules:
  - apiGroups:
    - ""
    apiVersions:
    - v1
    operations:
    - CREATE
    resources:
    - pods
    scope: Namespaced
  sideEffects: None
  timeoutSeconds: 5
`
	if out := toYAML(t, got); out != want {
		t.Errorf("webhook configuration:\n%s\nwant (the chart's template applied to our values):\n%s", out, want)
	}
}

// TestMutatingWebhookKeepsChartDefaults: what our values leave out comes
// from the chart, as with Helm: the chart's namespaceSelector (NotIn
// ignore), and no timeoutSeconds (commented out in its values.yaml).
func TestMutatingWebhookKeepsChartDefaults(t *testing.T) {
	v := load(t, "admissionController: {enabled: true, kind: MutatingWebhookConfiguration}\nfullnameOverride: x\n")
	got, err := MutatingWebhook(v, testURL, testCA)
	if err != nil {
		t.Fatal(err)
	}
	out := toYAML(t, got)
	for _, want := range []string{"operator: NotIn", "- ignore", "failurePolicy: Ignore", "operations:\n    - '*'"} {
		if !strings.Contains(out, want) {
			t.Errorf("want %q from the chart defaults in:\n%s", want, out)
		}
	}
	if strings.Contains(out, "timeoutSeconds") {
		t.Errorf("timeoutSeconds set without a value for it (the template guards it with `if`):\n%s", out)
	}
}

func TestMutatingWebhookRefuses(t *testing.T) {
	tests := []struct {
		name, reason, extra, url string
		ca                       []byte
		want                     string
	}{
		{"disabled", "nothing would be installed", "admissionController: {enabled: false}\n", testURL, testCA, "admissionController.enabled is false"},
		{"validating", "a validating webhook cannot patch", "admissionController: {kind: ValidatingWebhookConfiguration}\n", testURL, testCA, "only a MutatingWebhookConfiguration"},
		{"http", "webhooks are HTTPS only", "useHttps: false\n", testURL, testCA, "useHttps is false"},
		{"cert-manager", "the harness does not run cert-manager", "certManager: {enabled: true}\n", testURL, testCA, "certManager.enabled"},
		{"no fullname", "object names must not depend on the release", "fullnameOverride: \"\"\n", testURL, testCA, "fullnameOverride is empty"},
		{"long fullname", "the chart would shorten it", "fullnameOverride: " + strings.Repeat("a", 64) + "\n", testURL, testCA, "longer than 63"},
		{"path", "the chart's Service has no path: OPA answers at /", "", "https://127.0.0.1:8443/v1/data", testCA, "want https://<host>:<port>/"},
		{"plain url", "the API server refuses http", "", "http://127.0.0.1:8443/", testCA, "want https://<host>:<port>/"},
		{"no CA", "the API server could not verify OPA", "", testURL, nil, "empty CA bundle"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MutatingWebhook(loadWith(t, tc.extra), tc.url, tc.ca)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("MutatingWebhook = %v, want an error containing %q (%s)", err, tc.want, tc.reason)
			}
		})
	}
}

// loadWith loads generatedValues changed by extra (merged over it).
func loadWith(t *testing.T, extra string) *Values {
	t.Helper()
	ours, err := parseYAML([]byte(generatedValues), true)
	if err != nil {
		t.Fatal(err)
	}
	over, err := parseYAML([]byte(extra), true)
	if err != nil {
		t.Fatal(err)
	}
	data, err := yaml.Marshal(Merge(ours, over))
	if err != nil {
		t.Fatal(err)
	}
	v, err := Load(chartDefaults(t), data)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func toYAML(t *testing.T, obj any) string {
	t.Helper()
	out, err := yaml.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}
