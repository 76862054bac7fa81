package opa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
	"supremeraid.dev/supremeraid-fn/internal/testtool"
)

// helmBin finds helm: $HELM, else the repository's bin/helm (make tools), else PATH.
func helmBin(t *testing.T) string {
	t.Helper()
	return testtool.Find(t, "helm", "HELM", "make tools")
}

// helmTemplate renders the real chart (testdata/chart, templates included) with the generated
// values, as `helm upgrade --install` would.
func helmTemplate(t *testing.T, values []byte) []byte {
	t.Helper()
	f := filepath.Join(t.TempDir(), "values.yaml")
	require.NoError(t, os.WriteFile(f, values, 0o600))
	cmd := exec.Command(helmBin(t), "template", "graid-opa", filepath.Join("testdata", "chart"), "--namespace", "opa", "--values", f)
	cmd.Env = append(os.Environ(), "HELM_CACHE_HOME="+t.TempDir(), "HELM_CONFIG_HOME="+t.TempDir(), "HELM_DATA_HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "helm template: %s", stderr.String())
	return out
}

// rendered are the chart's objects by kind.
type rendered struct {
	webhook    admissionregistrationv1.MutatingWebhookConfiguration
	deployment appsv1.Deployment
	service    corev1.Service
	pdb        policyv1.PodDisruptionBudget
	kinds      []string
}

func decodeRendered(t *testing.T, out []byte) rendered {
	t.Helper()
	var r rendered
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(out), 4096)
	for {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		if m == nil {
			continue
		}
		js, err := yaml.Marshal(m)
		require.NoError(t, err)
		kind, _ := m["kind"].(string)
		r.kinds = append(r.kinds, kind)
		var into any
		switch kind {
		case "MutatingWebhookConfiguration":
			into = &r.webhook
		case "Deployment":
			into = &r.deployment
		case "Service":
			into = &r.service
		case "PodDisruptionBudget":
			into = &r.pdb
		default:
			continue
		}
		require.NoError(t, yaml.UnmarshalStrict(js, into), "%s", kind)
	}
	return r
}

func container(t *testing.T, d appsv1.Deployment, name string) corev1.Container {
	t.Helper()
	for _, c := range slices.Concat(d.Spec.Template.Spec.InitContainers, d.Spec.Template.Spec.Containers) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no container %s", name)
	return corev1.Container{}
}

// lastFlag is the value of the last --name=value in args: the one a Go flag parser keeps.
func lastFlag(args []string, name string) string {
	v := ""
	for _, a := range args {
		if s, ok := strings.CutPrefix(a, "--"+name+"="); ok {
			v = s
		}
	}
	return v
}

// TestHelmTemplate renders the real opa-kube-mgmt chart with the generated values and checks
// what the API server and the pods would get.
func TestHelmTemplate(t *testing.T) {
	cfg := testConfig(t, nil)
	values, err := ValuesYAML(cfg)
	require.NoError(t, err)
	out := helmTemplate(t, values)
	r := decodeRendered(t, out)

	t.Run("deterministic", func(t *testing.T) {
		// Nothing but the caBundle the service CA injects may differ between renders, or Argo CD
		// shows drift and restarts OPA: the webhook configuration's checksum on the pod template
		// covers the whole template, certificates included.
		assert.Equal(t, string(out), string(helmTemplate(t, values)), "two renders differ")
		assert.Contains(t, r.deployment.Spec.Template.Annotations, "checksum/webhookconfiguration", "chart 11.x annotation")
		assert.NotContains(t, r.deployment.Spec.Template.Annotations, "checksum/certs")
	})
	t.Run("webhook", func(t *testing.T) {
		require.Len(t, r.webhook.Webhooks, 1)
		w := r.webhook.Webhooks[0]
		assert.Equal(t, `{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"In","values":["project1","project2"]}]}`, mustJSON(t, w.NamespaceSelector), "tenants by name only")
		assert.Nil(t, w.ObjectSelector)
		assert.Equal(t, admissionregistrationv1.Fail, *w.FailurePolicy)
		assert.Empty(t, w.ClientConfig.CABundle, "the service CA injects the bundle")
		assert.Equal(t, "true", r.webhook.Annotations[InjectCABundleAnnotation])
		require.NotNil(t, w.ClientConfig.Service)
		assert.Equal(t, "graid-opa", w.ClientConfig.Service.Name)
		assert.Nil(t, w.ClientConfig.Service.Path, "no path: OPA answers with data.system.main")
		assert.Nil(t, w.ReinvocationPolicy, "the chart renders no reinvocationPolicy (documented limit)")
		assert.Equal(t, `[{"operations":["CREATE"],"apiGroups":[""],"apiVersions":["v1"],"resources":["pods"],"scope":"Namespaced"}]`, mustJSON(t, w.Rules))
	})
	t.Run("serving certificate", func(t *testing.T) {
		assert.Equal(t, "graid-opa-serving-cert", r.service.Annotations[ServingCertAnnotation])
		opa := container(t, r.deployment, "opa")
		assert.Equal(t, "/serving-cert/tls.crt", lastFlag(opa.Args, "tls-cert-file"))
		assert.Equal(t, "/serving-cert/tls.key", lastFlag(opa.Args, "tls-private-key-file"))
		assert.Contains(t, opa.VolumeMounts, corev1.VolumeMount{Name: "serving-cert", MountPath: "/serving-cert", ReadOnly: true})
		var found bool
		for _, v := range r.deployment.Spec.Template.Spec.Volumes {
			found = found || (v.Secret != nil && v.Secret.SecretName == "graid-opa-serving-cert")
		}
		assert.True(t, found, "the service CA's Secret is mounted")
	})
	t.Run("availability", func(t *testing.T) {
		spec := r.deployment.Spec.Template.Spec
		assert.Equal(t, int32(2), *r.deployment.Spec.Replicas)
		assert.Equal(t, "graid-opa-critical", spec.PriorityClassName)
		require.Len(t, spec.TopologySpreadConstraints, 1)
		assert.Equal(t, "kubernetes.io/hostname", spec.TopologySpreadConstraints[0].TopologyKey)
		assert.Equal(t, r.deployment.Spec.Template.Labels, spec.TopologySpreadConstraints[0].LabelSelector.MatchLabels, "the spread counts the chart's own pods")
		for _, name := range []string{"opa", "mgmt", "initpolicy"} {
			c := container(t, r.deployment, name)
			assert.False(t, c.Resources.Requests.Cpu().IsZero() || c.Resources.Requests.Memory().IsZero(), "%s has requests: not BestEffort", name)
		}
		assert.Equal(t, 1, r.pdb.Spec.MinAvailable.IntValue())
		assert.Equal(t, r.deployment.Spec.Template.Labels, r.pdb.Spec.Selector.MatchLabels)
		np := NetworkPolicy(cfg)
		assert.Equal(t, r.deployment.Spec.Template.Labels, np.Spec.PodSelector.MatchLabels, "the NetworkPolicy selects the chart's pods")
		assert.Equal(t, int32(Port), container(t, r.deployment, "opa").Ports[0].ContainerPort)
	})
	t.Run("kube-mgmt", func(t *testing.T) {
		args := container(t, r.deployment, "mgmt").Args
		for _, want := range []string{"--enable-data=false", "--enable-policies=true", "--replicate-cluster=v1/namespaces", "--namespaces=opa"} {
			assert.Contains(t, args, want)
		}
	})
	t.Run("bootstrap policy", func(t *testing.T) {
		bootstrapDefaultDecision(t, container(t, r.deployment, "initpolicy"))
	})
}

// bootstrapDefaultDecision runs the chart's init container script with sh into a temporary
// /bootstrap, loads what it wrote together with the policy ConfigMap into OPA, and asks the
// default decision, as the webhook does.
func bootstrapDefaultDecision(t *testing.T, init corev1.Container) {
	t.Helper()
	require.Equal(t, []string{"/bin/sh", "-c"}, init.Command[:2])
	dir := t.TempDir()
	script := strings.ReplaceAll(init.Command[2], "/bootstrap/", dir+"/")
	cmd := exec.Command("sh", "-c", script)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Run(), stderr.String())
	files, err := filepath.Glob(filepath.Join(dir, "*.rego"))
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	assert.Equal(t, []string{"authz.rego", BootstrapPolicyName + ".rego"}, names)

	withPolicy := []func(*rego.Rego){rego.Query("data.system.main"), rego.StrictBuiltinErrors(true)}
	for _, f := range files {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		withPolicy = append(withPolicy, rego.Module(f, string(b)))
	}
	bootstrapOnly := slices.Clone(withPolicy)
	s := testSettings()
	modules, err := Modules(s)
	require.NoError(t, err)
	for _, m := range modules {
		withPolicy = append(withPolicy, rego.Module(m.Name, m.Content))
	}
	withPolicy = append(withPolicy, rego.Store(inmem.NewFromObject(map[string]any{"kubernetes": map[string]any{"namespaces": jsonRoundTrip(t, testNamespaces())}})))

	pq, err := rego.New(withPolicy...).PrepareForEval(context.Background())
	require.NoError(t, err, "bootstrap and policy load together")
	resp := decide(t, pq, podCreate("project1", optedIn), "")
	assert.True(t, resp.Allowed)
	assert.NotEmpty(t, resp.Patch, "the SupremeRAID policy answers while it is loaded")

	pq, err = rego.New(bootstrapOnly...).PrepareForEval(context.Background())
	require.NoError(t, err)
	resp = decide(t, pq, podCreate("project1", pod(`{"name":"app"}`, `{"containers":[{"name":"app","image":"a"}]}`)), "")
	assert.True(t, resp.Allowed, "policy missing: a pod that did not opt in is admitted")
	resp = decide(t, pq, podCreate("project1", optedIn), "")
	assert.False(t, resp.Allowed, "policy missing: an opted-in pod is refused")
}

// jsonRoundTrip is v as JSON decodes it: what kube-mgmt would PUT into OPA.
func jsonRoundTrip(t *testing.T, v any) map[string]any {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out map[string]any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}
