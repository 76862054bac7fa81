package opa

import (
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/node"
)

// describe names an object as Kind namespace/name.
func describe(t *testing.T, o any) string {
	t.Helper()
	switch v := o.(type) {
	case *corev1.Namespace:
		return "Namespace " + v.Name
	case *corev1.ConfigMap:
		return "ConfigMap " + v.Namespace + "/" + v.Name
	case *Application:
		return "Application " + v.Namespace + "/" + v.Name
	case *schedulingv1.PriorityClass:
		return "PriorityClass " + v.Name
	case *networkingv1.NetworkPolicy:
		return "NetworkPolicy " + v.Namespace + "/" + v.Name
	}
	t.Fatalf("unexpected object %T", o)
	return ""
}

func TestGenerateObjects(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
		want   []string
	}{
		"helm": {
			reason: "namespace, policy and values; the chart is installed by hand",
			want: []string{"Namespace opa", "PriorityClass graid-opa-critical", "NetworkPolicy opa/graid-opa-webhook",
				"ConfigMap opa/graid-opa-policy", "ConfigMap opa/graid-opa-values"},
		},
		"argocd": {
			reason: "install argocd adds the Application in the Argo CD namespace",
			mutate: func(c *config.SupremeRAID) {
				c.Name = "storage"
				c.Spec.OPA.Namespace = "opa-system"
				c.Spec.OPA.Install = config.InstallArgoCD
			},
			want: []string{"Namespace opa-system", "PriorityClass storage-opa-critical", "NetworkPolicy opa-system/storage-opa-webhook", "ConfigMap opa-system/storage-opa-policy", "ConfigMap opa-system/storage-opa-values",
				"Application openshift-gitops/storage-opa"},
		},
		"disabled": {
			reason: "spec.opa.enabled false emits nothing",
			mutate: func(c *config.SupremeRAID) { c.Spec.OPA.Enabled = ptr.To(false) },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := Generate(testConfig(t, tc.mutate))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, describe(t, o))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s\n got %q\nwant %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestPolicyConfigMap(t *testing.T) {
	cfg := testConfig(t, nil)
	cm, err := PolicyConfigMap(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cm.Labels[PolicyLabelKey] != PolicyLabelValue || cm.Labels["app.kubernetes.io/component"] != Component {
		t.Errorf("labels %v: kube-mgmt loads only ConfigMaps labelled %s=%s", cm.Labels, PolicyLabelKey, PolicyLabelValue)
	}
	if cm.Namespace != "opa" {
		t.Errorf("namespace %q: kube-mgmt only watches the OPA namespace", cm.Namespace)
	}
	files, err := Modules(SettingsFor(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if len(cm.Data) != len(files) {
		t.Errorf("ConfigMap has %d keys, want one per module (%d)", len(cm.Data), len(files))
	}
	for _, f := range files {
		if cm.Data[f.Name] != f.Content {
			t.Errorf("key %s does not hold module %s", f.Name, f.Name)
		}
	}
	settings := cm.Data[SettingsFileName]
	for _, want := range []string{`"hostBasePath": "/var/mnt/supremeraid/vd0"`, `"podLabel": "supremeraid.dev/inject"`,
		`"containerPath": "/data"`, "\"namespaces\": [\n\t\t\"project1\",\n\t\t\"project2\"\n\t]",
		`"nvidia.com/cuda.driver-version.full": "550.90.07"`} {
		if !strings.Contains(settings, want) {
			t.Errorf("settings.rego lacks %s:\n%s", want, settings)
		}
	}
}

func TestSettingsFor(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
		want   Settings
	}{
		"defaults": {
			reason: "the default SupremeRAID node label, the NVIDIA driver gate and KMM's ready label for Module graid in namespace supremeraid",
			want: Settings{PodLabel: "supremeraid.dev/inject", ContainerPath: "/data", HostBasePath: "/var/mnt/supremeraid/vd0",
				VolumeName: DefaultVolumeName, Namespaces: []string{"project1", "project2"},
				NodeSelector: map[string]string{
					"feature.node.kubernetes.io/supremeraid":         "true",
					"nvidia.com/cuda.driver-version.full":            "550.90.07",
					"kmm.node.kubernetes.io/supremeraid.graid.ready": "",
				}, MinID: config.MinTenantID},
		},
		"customised": {
			reason: "workload settings as given; the node selector follows spec.nodeSelector, the driver version, metadata.name and spec.namespace",
			mutate: func(c *config.SupremeRAID) {
				c.Name = "fast"
				c.Spec.Namespace = "storage"
				c.Spec.NodeSelector = map[string]string{"node-role.kubernetes.io/storage": "", "example.com/raid": "yes"}
				c.Spec.NVIDIA.DriverVersion = "570.124.06"
				c.Spec.Workloads.PodLabel = "example.com/fast"
				c.Spec.Workloads.ContainerPath = "/scratch"
				c.Spec.Workloads.Namespaces = []config.TenantNamespace{{Name: "zeta", RunAsUser: 50000, RunAsGroup: 50000}, {Name: "alpha", RunAsUser: 60000, RunAsGroup: 60000}}
			},
			want: Settings{PodLabel: "example.com/fast", ContainerPath: "/scratch", HostBasePath: "/var/mnt/supremeraid/vd0",
				VolumeName: DefaultVolumeName, Namespaces: []string{"zeta", "alpha"},
				NodeSelector: map[string]string{
					"node-role.kubernetes.io/storage":           "",
					"example.com/raid":                          "yes",
					"nvidia.com/cuda.driver-version.full":       "570.124.06",
					"kmm.node.kubernetes.io/storage.fast.ready": "",
				}, MinID: config.MinTenantID},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t, tc.mutate)
			got := SettingsFor(cfg)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\nSettingsFor (-want +got):\n%s", tc.reason, diff)
			}
			// The point of the selector: a steered pod lands exactly where the
			// node DaemonSet runs, i.e. where the volume is mounted.
			var ds *appsv1.DaemonSet
			objs, err := node.Generate(cfg)
			if err != nil {
				t.Fatalf("generating the node family: %v", err)
			}
			for _, o := range objs {
				if d, ok := o.(*appsv1.DaemonSet); ok {
					ds = d
				}
			}
			if ds == nil {
				t.Fatal("the node family generated no DaemonSet")
			}
			if diff := cmp.Diff(ds.Spec.Template.Spec.NodeSelector, got.NodeSelector); diff != "" {
				t.Errorf("%s\npolicy node selector differs from the node DaemonSet's (-daemonset +policy):\n%s", tc.reason, diff)
			}
		})
	}
}

func TestValuesConfigMap(t *testing.T) {
	cfg := testConfig(t, func(c *config.SupremeRAID) { c.Spec.ArgoCD.SyncWaves = true })
	cm, err := ValuesConfigMap(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if cm.Annotations[LocalConfigAnnotation] != "true" {
		t.Errorf("annotations %v: the values ConfigMap must be local config, never applied", cm.Annotations)
	}
	if cm.Annotations["argocd.argoproj.io/sync-wave"] == "" {
		t.Errorf("annotations %v: the common sync-wave annotation was lost", cm.Annotations)
	}
	if _, isPolicy := cm.Labels[PolicyLabelKey]; isPolicy {
		t.Error("the values ConfigMap must not be labelled as policy")
	}
	want, err := ValuesYAML(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(cm.Data) != 1 || cm.Data[ValuesKey] != string(want) {
		t.Errorf("data keys %d; values.yaml equals ValuesYAML: %v", len(cm.Data), cm.Data[ValuesKey] == string(want))
	}
}

func TestNotes(t *testing.T) {
	if n := Notes(testConfig(t, nil)); len(n) != 1 || !strings.Contains(n[0], "helm upgrade --install graid-opa opa-kube-mgmt") || !strings.Contains(n[0], "--namespace opa") {
		t.Errorf("helm install: want one note with the helm command, got %q", n)
	}
	if n := Notes(testConfig(t, func(c *config.SupremeRAID) { c.Spec.OPA.Install = config.InstallArgoCD })); len(n) != 0 {
		t.Errorf("argocd install: the Application installs the chart, want no note, got %q", n)
	}
}
