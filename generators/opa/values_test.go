package opa

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"k8s.io/utils/ptr"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// chartFile reads a file of the opa-kube-mgmt chart copy in testdata/chart.
func chartFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "chart", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// toGeneric turns YAML or JSON into the generic form the schema validator
// takes (numbers as json.Number).
func toGeneric(t *testing.T, doc []byte) any {
	t.Helper()
	js, err := yaml.YAMLToJSONStrict(doc)
	if err != nil {
		t.Fatalf("not YAML: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// coalesce merges values over defaults as Helm does: mappings merge key by
// key, anything else (lists included) replaces, and null deletes.
func coalesce(defaults, values map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range values {
		dm, dIsMap := out[k].(map[string]any)
		vm, vIsMap := v.(map[string]any)
		switch {
		case v == nil:
			delete(out, k)
		case dIsMap && vIsMap:
			out[k] = coalesce(dm, vm)
		default:
			out[k] = v
		}
	}
	return out
}

func chartSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	if err := c.AddResource("values.schema.json", toGeneric(t, chartFile(t, "values.schema.json"))); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("values.schema.json")
	if err != nil {
		t.Fatalf("compiling the chart's values.schema.json: %v", err)
	}
	return s
}

// mergedValues is what Helm validates and renders with: the chart's
// values.yaml with the generated values over it.
func mergedValues(t *testing.T, values []byte) map[string]any {
	t.Helper()
	defaults, ok := toGeneric(t, chartFile(t, "values.yaml")).(map[string]any)
	if !ok {
		t.Fatal("chart values.yaml is not a mapping")
	}
	ours, ok := toGeneric(t, values).(map[string]any)
	if !ok {
		t.Fatalf("generated values are not a mapping:\n%s", values)
	}
	return coalesce(defaults, ours)
}

// valueCases are configs whose values must all be valid chart values.
func valueCases() map[string]func(*config.SupremeRAID) {
	return map[string]func(*config.SupremeRAID){
		"defaults": nil,
		"fail open, longest timeout": func(c *config.SupremeRAID) {
			c.Spec.OPA.FailurePolicy = config.FailurePolicyIgnore
			c.Spec.OPA.TimeoutSeconds = ptr.To(int32(30))
		},
		"argocd, own namespace": func(c *config.SupremeRAID) {
			c.Name = "storage"
			c.Spec.OPA.Namespace = "opa-system"
			c.Spec.OPA.Install = config.InstallArgoCD
		},
		"no tenants": func(c *config.SupremeRAID) { c.Spec.Workloads.Namespaces = nil },
	}
}

func TestValuesMatchChartSchema(t *testing.T) {
	schema := chartSchema(t)
	for name, mutate := range valueCases() {
		t.Run(name, func(t *testing.T) {
			values, err := ValuesYAML(testConfig(t, mutate))
			if err != nil {
				t.Fatal(err)
			}
			if err := schema.Validate(any(mergedValues(t, values))); err != nil {
				t.Errorf("Helm would refuse these values (chart values.schema.json):\n%v\nvalues:\n%s", err, values)
			}
		})
	}
}

// TestChartSchemaCheckCanFail shows the schema check above is live: values
// the chart refuses are refused here.
func TestChartSchemaCheckCanFail(t *testing.T) {
	schema := chartSchema(t)
	good, err := ValuesYAML(testConfig(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		extra  string
		want   string
	}{
		"image without tag": {
			reason: "image.tag is required and a null deletes the default",
			extra:  "image: {tag: null}",
			want:   "tag",
		},
		"mgmt image repository not a string": {
			reason: "mgmt.image.repository must be a string",
			extra:  "mgmt: {image: {repository: 5}}",
			want:   "repository",
		},
		"bad spread constraint": {
			reason: "topologySpreadConstraints items are typed",
			extra:  "topologySpreadConstraints: [{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: Never}]",
			want:   "maxSkew",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			merged := mergedValues(t, good)
			extra, ok := toGeneric(t, []byte(tc.extra)).(map[string]any)
			if !ok {
				t.Fatal("extra is not a mapping")
			}
			err := schema.Validate(any(coalesce(merged, extra)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s\nwant an error mentioning %q, got %v", tc.reason, tc.want, err)
			}
		})
	}
}

// notInValuesYAML are keys the chart reads that its values.yaml does not
// list with a value.
var notInValuesYAML = map[string]string{
	"fullnameOverride":                "read by the chart's opa.fullname helper; values.yaml does not list it",
	"timeoutSeconds":                  "values.yaml has it only as a comment (# timeoutSeconds: 20)",
	"priorityClassName":               "values.yaml has it only as a comment (# priorityClassName:)",
	"admissionController.annotations": "values.yaml has it only as a comment (# annotations:)",
}

// freeMaps are chart values whose keys are the user's (names, annotation keys, Kubernetes
// resource names): their keys are not checked against values.yaml.
var freeMaps = map[string]bool{
	"bootstrapPolicies": true, "service.annotations": true, "admissionController.annotations": true,
	"resources": true, "mgmt.resources": true,
}

// TestValuesKeysExistInChart catches a misspelt key, which the chart's
// permissive schema (additionalProperties: true) would accept and ignore:
// every mapping key the generator sets must exist in the chart's
// values.yaml, with a value of the same JSON type.
func TestValuesKeysExistInChart(t *testing.T) {
	defaults := toGeneric(t, chartFile(t, "values.yaml")).(map[string]any)
	values, err := ValuesYAML(testConfig(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	ours := toGeneric(t, values).(map[string]any)
	if !bytes.Contains(chartFile(t, "values.yaml"), []byte("# timeoutSeconds:")) {
		t.Error("values.yaml no longer mentions timeoutSeconds; re-check notInValuesYAML")
	}
	var walk func(path string, ours, chart map[string]any)
	walk = func(path string, ours, chart map[string]any) {
		for _, k := range sortedKeys(ours) {
			p := strings.TrimPrefix(path+"."+k, ".")
			if freeMaps[path] {
				continue
			}
			cv, ok := chart[k]
			if !ok {
				if _, known := notInValuesYAML[p]; !known {
					t.Errorf("values key %s is not in the chart's values.yaml (misspelt?)", p)
				}
				if om, isMap := ours[k].(map[string]any); isMap && !freeMaps[p] {
					walk(p, om, map[string]any{})
				}
				continue
			}
			if got, want := jsonType(ours[k]), jsonType(cv); got != want {
				t.Errorf("values key %s is a %s, the chart's default is a %s", p, got, want)
			}
			om, oIsMap := ours[k].(map[string]any)
			cm, cIsMap := cv.(map[string]any)
			if oIsMap && cIsMap {
				walk(p, om, cm)
			}
		}
	}
	walk("", ours, defaults)
}

func jsonType(v any) string {
	switch v.(type) {
	case map[string]any:
		return "mapping"
	case []any:
		return "list"
	case string:
		return "string"
	case bool:
		return "boolean"
	case json.Number:
		return "number"
	case nil:
		return "null"
	}
	return "other"
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestValuesFor(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
		check  func(t *testing.T, v Values)
	}{
		"webhook scope": {
			reason: "only CREATE of pods, namespaced, in the tenant namespaces by the name label the API server sets",
			check: func(t *testing.T, v Values) {
				ac := v.AdmissionController
				if !ac.Enabled || ac.Kind != "MutatingWebhookConfiguration" || ac.SideEffect != "None" {
					t.Errorf("webhook: %+v", ac)
				}
				want := `[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"],"scope":"Namespaced"}]`
				if got := mustJSON(t, ac.Rules); got != want {
					t.Errorf("rules\n got %s\nwant %s", got, want)
				}
				wantSel := `{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"In","values":["project1","project2"]}]}`
				if got := mustJSON(t, ac.NamespaceSelector); got != wantSel {
					t.Errorf("namespaceSelector\n got %s\nwant %s", got, wantSel)
				}
			},
		},
		"fail closed by default": {
			reason: "failurePolicy and timeout come from the defaulted config",
			check: func(t *testing.T, v Values) {
				if v.AdmissionController.FailurePolicy != "Fail" || v.TimeoutSeconds != 5 {
					t.Errorf("failurePolicy %q timeoutSeconds %d, want Fail 5", v.AdmissionController.FailurePolicy, v.TimeoutSeconds)
				}
			},
		},
		"configured failure policy and timeout": {
			reason: "spec.opa.failurePolicy and timeoutSeconds are passed through",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.OPA.FailurePolicy = config.FailurePolicyIgnore
				c.Spec.OPA.TimeoutSeconds = ptr.To(int32(12))
			},
			check: func(t *testing.T, v Values) {
				if v.AdmissionController.FailurePolicy != "Ignore" || v.TimeoutSeconds != 12 {
					t.Errorf("failurePolicy %q timeoutSeconds %d, want Ignore 12", v.AdmissionController.FailurePolicy, v.TimeoutSeconds)
				}
			},
		},
		"kube-mgmt watches only the OPA namespace": {
			reason: "policy can be loaded from the OPA namespace only; namespaces are replicated and kube-mgmt may read them",
			mutate: func(c *config.SupremeRAID) { c.Spec.OPA.Namespace = "opa-system" },
			check: func(t *testing.T, v Values) {
				m := v.Mgmt
				if !slices.Equal(m.Namespaces, []string{"opa-system"}) || !slices.Equal(m.Replicate.Cluster, []string{"v1/namespaces"}) || !m.Policies.Enabled || !m.Enabled {
					t.Errorf("mgmt: %+v", m)
				}
				want := `[{"verbs":["get","list","watch"],"apiGroups":[""],"resources":["namespaces"]}]`
				if got := mustJSON(t, v.RBAC.ExtraRules); got != want || !v.RBAC.Create {
					t.Errorf("rbac.extraRules\n got %s\nwant %s", got, want)
				}
			},
		},
		"OpenShift friendly": {
			reason: "TLS from the chart, no fixed UID, no host network, two replicas with a disruption budget",
			mutate: func(c *config.SupremeRAID) { c.Name = "storage" },
			check: func(t *testing.T, v Values) {
				if !v.UseHTTPS || v.GenerateCerts || v.CertManager.Enabled || v.CA != "" {
					t.Errorf("TLS: useHttps %v generateCerts %v certManager %v CA %q: want the service CA", v.UseHTTPS, v.GenerateCerts, v.CertManager.Enabled, v.CA)
				}
				if v.Service.Annotations["service.beta.openshift.io/serving-cert-secret-name"] != "storage-opa-serving-cert" ||
					v.AdmissionController.Annotations["service.beta.openshift.io/inject-cabundle"] != "true" {
					t.Errorf("service CA annotations: service %v webhook %v", v.Service.Annotations, v.AdmissionController.Annotations)
				}
				if !slices.Contains(v.ExtraArgs, "--tls-cert-file=/serving-cert/tls.crt") || len(v.ExtraVolumes) != 1 || v.ExtraVolumes[0].Secret.SecretName != "storage-opa-serving-cert" {
					t.Errorf("serving certificate: args %v volumes %+v", v.ExtraArgs, v.ExtraVolumes)
				}
				if v.PriorityClassName != "storage-opa-critical" || v.Resources.Requests.Memory().IsZero() || v.Mgmt.Resources.Requests.Cpu().IsZero() {
					t.Errorf("priority %q resources %+v mgmt %+v", v.PriorityClassName, v.Resources, v.Mgmt.Resources)
				}
				if len(v.TopologySpreadConstraints) != 1 || v.TopologySpreadConstraints[0].TopologyKey != "kubernetes.io/hostname" ||
					v.TopologySpreadConstraints[0].LabelSelector.MatchLabels["app"] != "storage-opa" {
					t.Errorf("spread %+v", v.TopologySpreadConstraints)
				}
				if v.Mgmt.Data.Enabled {
					t.Error("mgmt.data.enabled: kube-mgmt must not load data ConfigMaps")
				}
				if v.SecurityContext.Enabled || v.HostNetwork.Enabled {
					t.Errorf("securityContext %v hostNetwork %v, want both disabled", v.SecurityContext.Enabled, v.HostNetwork.Enabled)
				}
				if v.Replicas != 2 || !v.PodDisruptionBudget.Enabled || v.PodDisruptionBudget.MinAvailable != 1 {
					t.Errorf("replicas %d pdb %+v", v.Replicas, v.PodDisruptionBudget)
				}
				if v.FullnameOverride != "storage-opa" || !v.Authz.Enabled {
					t.Errorf("fullnameOverride %q authz %v", v.FullnameOverride, v.Authz.Enabled)
				}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			v := ValuesFor(testConfig(t, tc.mutate))
			t.Log(tc.reason)
			tc.check(t, v)
		})
	}
}

// TestValuesYAML: the printed file is stable, starts with the install
// command, and holds exactly ValuesFor.
func TestValuesYAML(t *testing.T) {
	cfg := testConfig(t, func(c *config.SupremeRAID) {
		c.Spec.OPA.Namespace = "opa-system"
		c.Spec.OPA.ArgoCD.ChartVersion = "11.0.9"
	})
	a, err := ValuesYAML(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := ValuesYAML(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Error("two renders differ")
	}
	wantHead := "# Helm values for chart opa-kube-mgmt 11.0.9, generated by supremeraid-fn from SupremeRAID \"graid\".\n"
	if !bytes.HasPrefix(a, []byte(wantHead)) {
		t.Errorf("header: want %q, got\n%s", wantHead, a)
	}
	if !bytes.Contains(a, []byte("helm upgrade --install graid-opa opa-kube-mgmt --repo https://open-policy-agent.github.io/kube-mgmt/charts --version 11.0.9")) ||
		!bytes.Contains(a, []byte("--namespace opa-system --create-namespace")) {
		t.Errorf("the header's install command does not match the config:\n%s", a)
	}
	js, err := yaml.YAMLToJSONStrict(a)
	if err != nil {
		t.Fatal(err)
	}
	var got Values
	if strict, err := sigsjson.UnmarshalStrict(js, &got, sigsjson.DisallowUnknownFields); err != nil || len(strict) > 0 {
		t.Fatalf("values.yaml does not decode strictly into Values: %v %v", err, strict)
	}
	if diff := cmp.Diff(ValuesFor(cfg), got); diff != "" {
		t.Errorf("values.yaml is not ValuesFor (-want +got):\n%s", diff)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
