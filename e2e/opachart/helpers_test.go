package opachart

import (
	"os"
	"testing"

	"sigs.k8s.io/yaml"
)

// chartValuesPath is the chart's values.yaml (see its PROVENANCE.md).
const chartValuesPath = "../../generators/opa/testdata/chart/values.yaml"

// generatedValues has the shape of `supremeraid-fn opa-values` output (the
// admission e2e uses the real output; these unit tests need a fixed one).
const generatedValues = `
admissionController:
  enabled: true
  failurePolicy: Fail
  kind: MutatingWebhookConfiguration
  namespaceSelector:
    matchExpressions:
    - {key: openpolicyagent.org/webhook, operator: In, values: [enabled]}
    - {key: supremeraid.dev/tenant, operator: In, values: ["true"]}
  rules:
  - apiGroups: [""]
    apiVersions: [v1]
    operations: [CREATE]
    resources: [pods]
    scope: Namespaced
  sideEffect: None
authz: {enabled: true}
certManager: {enabled: false}
fullnameOverride: graid-opa
generateCerts: true
mgmt:
  enabled: true
  namespaces: [opa]
  policies: {enabled: true}
  replicate:
    cluster: [v1/namespaces]
timeoutSeconds: 5
useHttps: true
`

func chartDefaults(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile(chartValuesPath)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func load(t *testing.T, generated string) *Values {
	t.Helper()
	v, err := Load(chartDefaults(t), []byte(generated))
	if err != nil {
		t.Fatal(err)
	}
	return v
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
