package acceptance

import (
	"context"
	"strings"
	"testing"

	"supremeraid.dev/supremeraid-fn/e2e/apply"
)

// The tests in this file prove that the checks applyAll relies on can fail:
// each feeds the real API server a manifest with one known defect and
// asserts that the defect is reported, with its field path. For a
// server-side apply, an unknown field is rejected when the server builds the
// typed patch ("<path>: field not declared in schema", lists keyed by their
// merge key, e.g. containers[name="c"]); a missing required field by
// validation ("Required value").

const detectNamespace = `apiVersion: v1
kind: Namespace
metadata: {name: e2e-detect}
`

func decodeOne(t *testing.T, doc string) apply.Object {
	t.Helper()
	objs, err := apply.Decode([]byte(doc), t.Name())
	if err != nil || len(objs) != 1 {
		t.Fatalf("test manifest: %d objects, %v", len(objs), err)
	}
	return objs[0]
}

func applyDetectNamespace(t *testing.T, applier *apply.Applier) {
	t.Helper()
	if _, err := applier.Apply(context.Background(), decodeOne(t, detectNamespace)); err != nil {
		t.Fatal(err)
	}
}

func TestStrictValidationRejects(t *testing.T) {
	_, applier := cluster(t)
	applyDetectNamespace(t, applier)
	cases := map[string]struct {
		reason string
		doc    string
		want   []string
	}{
		"unknown field in a built-in kind": {
			reason: "a typo in a ConfigMap must not be dropped silently",
			doc: `apiVersion: v1
kind: ConfigMap
metadata: {name: typo, namespace: e2e-detect}
datas: {a: b}
`,
			want: []string{`.datas: field not declared in schema`},
		},
		"unknown field deep in a pod template": {
			reason: "the path of a nested typo must be reported",
			doc: `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: typo, namespace: e2e-detect}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      containers:
      - {name: c, image: x, imagePullPolicyy: Always}
`,
			want: []string{`.spec.template.spec.containers[name="c"].imagePullPolicyy: field not declared in schema`},
		},
		"unknown field in an upstream CRD": {
			reason: "the NFD schema must reject a misspelt rule field",
			doc: `apiVersion: nfd.k8s-sigs.io/v1alpha1
kind: NodeFeatureRule
metadata: {name: typo}
spec:
  rules:
  - name: r
    label: {a: b}
`,
			want: []string{`.spec.rules[0].label: field not declared in schema`},
		},
		"unknown field in the KMM Module": {
			reason: "the KMM schema must reject a misspelt kernel mapping list",
			doc: `apiVersion: kmm.sigs.x-k8s.io/v1beta1
kind: Module
metadata: {name: typo, namespace: e2e-detect}
spec:
  selector: {a: b}
  moduleLoader:
    container:
      modprobe: {moduleName: graid}
      kernelMappings: [{regexp: '^.+$', containerImage: x}]
      kernelMapping: []
`,
			want: []string{`.spec.moduleLoader.container.kernelMapping: field not declared in schema`},
		},
		"missing required section of ClusterPolicy": {
			reason: "the GPU Operator schema requires every section; a missing one is an error, not a default",
			doc: `apiVersion: nvidia.com/v1
kind: ClusterPolicy
metadata: {name: incomplete}
spec:
  operator: {}
  daemonsets: {}
  driver: {}
  toolkit: {}
  devicePlugin: {}
  dcgm: {}
  dcgmExporter: {}
  nodeStatusExporter: {}
`,
			want: []string{"spec.gfd", "Required value"},
		},
		"unknown field in the minimal Application CRD": {
			reason: "the hand-written Application schema must be strict too",
			doc: `apiVersion: argoproj.io/v1alpha1
kind: Application
metadata: {name: typo, namespace: e2e-detect}
spec:
  project: default
  destination: {server: https://kubernetes.default.svc}
  source: {repoURL: https://example.invalid/charts, chart: c, helm: {valueObject: {a: 1}}}
`,
			want: []string{`.spec.source.helm.valueObject: field not declared in schema`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := applier.Apply(context.Background(), decodeOne(t, tc.doc))
			if err == nil {
				t.Fatalf("%s: the API server accepted it", tc.reason)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%s: error does not contain %q:\n%v", tc.reason, w, err)
				}
			}
			t.Logf("rejected as expected: %v", err)
		})
	}
}

// TestReadBackCatchesSilentlyDroppedFields applies fields that kube-apiserver
// v1.34 accepts under strict validation but does not store, because their
// alpha feature gates (HostnameOverride, ContainerStopSignals) are off by
// default. Strict validation alone passes them; only the read-back
// comparison sees the loss.
func TestReadBackCatchesSilentlyDroppedFields(t *testing.T) {
	_, applier := cluster(t)
	applyDetectNamespace(t, applier)
	obj := decodeOne(t, `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: dropped, namespace: e2e-detect}
spec:
  selector: {matchLabels: {a: b}}
  template:
    metadata: {labels: {a: b}}
    spec:
      hostnameOverride: node-agent
      containers:
      - name: c
        image: x
        lifecycle:
          stopSignal: SIGUSR1
`)
	res, err := applier.Apply(context.Background(), obj)
	if err != nil {
		t.Fatalf("strict apply must accept gated fields (that is the point): %v", err)
	}
	got := map[string]bool{}
	for _, d := range res.Check(res.Stored) {
		got[d.Path] = d.Missing
		t.Logf("reported: %s", d)
	}
	for _, path := range []string{
		"spec.template.spec.hostnameOverride",
		"spec.template.spec.containers[0].lifecycle",
	} {
		if !got[path] {
			t.Errorf("%s was dropped by the server but the comparison did not report it as missing (got %v)", path, got)
		}
	}
}

func TestApplyRefusesWhatItCannotPlace(t *testing.T) {
	_, applier := cluster(t)
	cases := map[string]struct {
		reason string
		doc    string
		want   string
	}{
		"kind without CRD": {
			reason: "an emitted custom kind with no installed CRD must name the fix",
			doc:    "apiVersion: example.supremeraid.dev/v1\nkind: Widget\nmetadata: {name: w}\n",
			want:   "add its CRD to e2e/testdata/crds",
		},
		"namespaced without namespace": {
			reason: "the output must not rely on the applying tool's default namespace",
			doc:    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
			want:   "ConfigMap is namespaced but metadata.namespace is empty",
		},
		"cluster-scoped with namespace": {
			reason: "a namespace on a cluster-scoped object is a generator bug",
			doc:    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r, namespace: x}\n",
			want:   `ClusterRole is cluster-scoped but metadata.namespace is "x"`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := applier.Apply(context.Background(), decodeOne(t, tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: error = %v, want it to contain %q", tc.reason, err, tc.want)
			}
		})
	}
}
