package opa_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/generators"
	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/opa"
)

func argoConfig(t *testing.T) *config.SupremeRAID {
	return opa.TestConfig(t, func(c *config.SupremeRAID) {
		c.Name = "storage"
		c.Spec.ArgoCD.SyncWaves = true
		c.Spec.OPA.Namespace = "opa-system"
		c.Spec.OPA.Install = config.InstallArgoCD
		c.Spec.OPA.FailurePolicy = config.FailurePolicyIgnore
		c.Spec.OPA.ArgoCD.Namespace = "argocd"
		c.Spec.OPA.ArgoCD.Project = "platform"
	})
}

// TestApplication checks the Application as it is emitted (after the
// orchestrator's serialisation, which drops nulls and empty mappings).
func TestApplication(t *testing.T) {
	cfg := argoConfig(t)
	m, err := generators.ToMap(opa.ArgoCDApplication(cfg))
	if err != nil {
		t.Fatal(err)
	}
	get := func(path ...string) any {
		var v any = m
		for _, p := range path {
			mm, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = mm[p]
		}
		return v
	}
	scalars := []struct {
		path []string
		want any
	}{
		{[]string{"apiVersion"}, "argoproj.io/v1alpha1"},
		{[]string{"kind"}, "Application"},
		{[]string{"metadata", "name"}, "storage-opa"},
		{[]string{"metadata", "namespace"}, "argocd"},
		{[]string{"metadata", "annotations", "argocd.argoproj.io/sync-wave"}, "3"},
		{[]string{"spec", "project"}, "platform"},
		{[]string{"spec", "source", "repoURL"}, config.DefaultOPAChartRepo},
		{[]string{"spec", "source", "chart"}, "opa-kube-mgmt"},
		{[]string{"spec", "source", "targetRevision"}, "11.0.7"},
		{[]string{"spec", "source", "helm", "releaseName"}, "storage-opa"},
		{[]string{"spec", "destination", "server"}, "https://kubernetes.default.svc"},
		{[]string{"spec", "destination", "namespace"}, "opa-system"},
		{[]string{"spec", "syncPolicy", "automated", "prune"}, true},
		{[]string{"spec", "syncPolicy", "automated", "selfHeal"}, true},
		{[]string{"spec", "source", "helm", "valuesObject", "admissionController", "failurePolicy"}, "Ignore"},
	}
	for _, s := range scalars {
		if got := get(s.path...); got != s.want {
			t.Errorf("%s = %v, want %v", strings.Join(s.path, "."), got, s.want)
		}
	}
	if f := get("metadata", "finalizers"); mustJSON(t, f) != `["resources-finalizer.argocd.argoproj.io"]` {
		t.Errorf("finalizers %v: deleting the Application must delete the webhook it installed", f)
	}
	if o := get("spec", "syncPolicy", "syncOptions"); mustJSON(t, o) != `["CreateNamespace=true","RespectIgnoreDifferences=true"]` {
		t.Errorf("syncOptions %v", o)
	}
	wantIgnore := `[{"group":"admissionregistration.k8s.io","jsonPointers":["/webhooks/0/clientConfig/caBundle"],"kind":"MutatingWebhookConfiguration","name":"storage-opa"}]`
	if got := mustJSON(t, get("spec", "ignoreDifferences")); got != wantIgnore {
		t.Errorf("ignoreDifferences (the caBundle the service CA injects)\n got %s\nwant %s", got, wantIgnore)
	}

	// Nothing of the values may be lost to serialisation: a dropped false
	// or empty list would silently bring back a chart default.
	vo := get("spec", "source", "helm", "valuesObject")
	if diff := cmp.Diff(mustJSON(t, opa.ValuesFor(cfg)), mustJSON(t, vo)); diff != "" {
		t.Errorf("valuesObject differs from the values (-want +got):\n%s", diff)
	}
	if err := opa.ChartSchema(t).Validate(any(opa.MergedValues(t, []byte(mustJSON(t, vo))))); err != nil {
		t.Errorf("valuesObject fails the chart's values.schema.json: %v", err)
	}
}

// TestKustomizeDropsValuesConfigMap runs the generated objects through
// kustomize (the krusty library the kustomize CLI is built on): the
// local-config values ConfigMap must not reach the cluster, the rest must.
func TestKustomizeDropsValuesConfigMap(t *testing.T) {
	objs, err := opa.Generate(opa.TestConfig(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	var stream bytes.Buffer
	for _, o := range objs {
		m, err := generators.ToMap(o)
		if err != nil {
			t.Fatal(err)
		}
		y, err := generators.ToYAML(m)
		if err != nil {
			t.Fatal(err)
		}
		stream.WriteString("---\n")
		stream.Write(y)
	}
	fs := filesys.MakeFsInMemory()
	if err := fs.WriteFile("/pkg/objects.yaml", stream.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := fs.WriteFile("/pkg/kustomization.yaml", []byte("resources: [objects.yaml]\n")); err != nil {
		t.Fatal(err)
	}
	rm, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fs, "/pkg")
	if err != nil {
		t.Fatalf("kustomize build: %v", err)
	}
	var got []string
	for _, r := range rm.Resources() {
		got = append(got, r.GetKind()+" "+r.GetName())
	}
	want := []string{"Namespace opa", "PriorityClass graid-opa-critical", "NetworkPolicy graid-opa-webhook", "ConfigMap graid-opa-policy"}
	if !slices.Equal(got, want) {
		t.Errorf("kustomize output\n got %q\nwant %q", got, want)
	}
	out, err := rm.AsYaml()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("local-config")) {
		t.Errorf("a local-config annotation leaked into kustomize output:\n%s", out)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	// Re-read so map keys come out sorted whatever produced them.
	var g any
	if err := yaml.Unmarshal(b, &g); err != nil {
		t.Fatal(err)
	}
	b, err = json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
