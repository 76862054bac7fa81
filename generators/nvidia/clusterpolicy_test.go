package nvidia

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

func TestGenerate(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
		want   int // number of objects
		check  func(t *testing.T, cp *ClusterPolicy)
	}{
		"default": {
			reason: "a ClusterPolicy is emitted by default, named as OpenShift's GPU Operator expects, cluster-scoped",
			want:   1,
			check: func(t *testing.T, cp *ClusterPolicy) {
				if cp.APIVersion != "nvidia.com/v1" || cp.Kind != "ClusterPolicy" {
					t.Errorf("GVK: got %s %s", cp.APIVersion, cp.Kind)
				}
				if cp.Name != "gpu-cluster-policy" || cp.Namespace != "" {
					t.Errorf("name/namespace: got %q/%q", cp.Name, cp.Namespace)
				}
				want := map[string]string{
					meta.LabelManagedBy: meta.ManagedBy, meta.LabelPartOf: "graid", meta.LabelComponent: Component,
				}
				if diff := cmp.Diff(want, cp.Labels); diff != "" {
					t.Errorf("labels (-want +got):\n%s", diff)
				}
				if cp.Annotations != nil {
					t.Errorf("no sync wave expected without spec.argocd.syncWaves, got %v", cp.Annotations)
				}
			},
		},
		"driver pinned": {
			reason: "graid_nvidia is built against spec.nvidia.driverVersion: the operator must load exactly that, built by the Driver Toolkit, proprietary flavour",
			mutate: func(c *config.SupremeRAID) { c.Spec.NVIDIA.DriverVersion = "535.183.06" },
			want:   1,
			check: func(t *testing.T, cp *ClusterPolicy) {
				d := cp.Spec.Driver
				if d.Version != "535.183.06" || d.Repository != "nvcr.io/nvidia" || d.Image != "driver" {
					t.Errorf("driver image: got %s/%s:%s", d.Repository, d.Image, d.Version)
				}
				if !isTrue(d.Enabled) || !isFalse(d.UsePrecompiled) || !isFalse(d.UseNvidiaDriverCRD) || d.KernelModuleType != "proprietary" {
					t.Errorf("driver build: got %+v", d)
				}
				if !isTrue(cp.Spec.Operator.UseOpenShiftDriverToolkit) {
					t.Error("use_ocp_driver_toolkit must be true")
				}
			},
		},
		"open modules": {
			reason: "spec.nvidia.kernelModuleType open is passed on: nvidia.ko and the graid_nvidia build must agree",
			mutate: func(c *config.SupremeRAID) { c.Spec.NVIDIA.KernelModuleType = config.NVIDIAOpen },
			want:   1,
			check: func(t *testing.T, cp *ClusterPolicy) {
				if cp.Spec.Driver.KernelModuleType != "open" {
					t.Errorf("kernelModuleType: got %q", cp.Spec.Driver.KernelModuleType)
				}
			},
		},
		"mirrored driver image": {
			reason: "the operator pulls from the registry spec.nvidia.driverImage names (a disconnected mirror), tagged by version",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.NVIDIA.DriverImage = "mirror.example.com:5000/nvidia/driver@sha256:" + strings.Repeat("ab", 32)
			},
			want: 1,
			check: func(t *testing.T, cp *ClusterPolicy) {
				d := cp.Spec.Driver
				if d.Repository != "mirror.example.com:5000/nvidia" || d.Image != "driver" || d.Version != "550.90.07" {
					t.Errorf("driver image: got %s/%s:%s", d.Repository, d.Image, d.Version)
				}
			},
		},
		"no automatic driver upgrade": {
			reason: "the upgrade controller would try to unload nvidia while graid_nvidia holds it",
			want:   1,
			check: func(t *testing.T, cp *ClusterPolicy) {
				if p := cp.Spec.Driver.UpgradePolicy; p == nil || !isFalse(p.AutoUpgrade) {
					t.Errorf("upgradePolicy.autoUpgrade must be explicitly false, got %+v", p)
				}
			},
		},
		"operands on": {
			reason: "every required operand section is present and enabled; SupremeRAID nodes opt out of the device plugin by label, not here",
			want:   1,
			check: func(t *testing.T, cp *ClusterPolicy) {
				s := cp.Spec
				for name, c := range map[string]ComponentSpec{
					"toolkit": s.Toolkit, "devicePlugin": s.DevicePlugin, "dcgm": s.DCGM,
					"dcgmExporter": s.DCGMExporter, "gfd": s.GFD, "nodeStatusExporter": s.NodeStatusExporter,
				} {
					if !isTrue(c.Enabled) {
						t.Errorf("%s.enabled must be true", name)
					}
				}
				if s.Daemonsets.UpdateStrategy != "RollingUpdate" || s.Daemonsets.RollingUpdate == nil || s.Daemonsets.RollingUpdate.MaxUnavailable != "1" {
					t.Errorf("daemonsets: got %+v", s.Daemonsets)
				}
			},
		},
		"sync wave": {
			reason: "with Argo CD sync waves the ClusterPolicy is an operand: wave 0",
			mutate: func(c *config.SupremeRAID) { c.Spec.ArgoCD.SyncWaves = true },
			want:   1,
			check: func(t *testing.T, cp *ClusterPolicy) {
				if got := cp.Annotations[meta.SyncWaveKey]; got != "0" {
					t.Errorf("sync wave: got %q", got)
				}
			},
		},
		"cluster has its own policy": {
			reason: "spec.nvidia.clusterPolicy: false emits nothing (Notes explains what the existing policy needs)",
			mutate: func(c *config.SupremeRAID) { c.Spec.NVIDIA.ClusterPolicy = ptr.To(false) },
			want:   0,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := Generate(testConfig(t, tc.mutate))
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if len(objs) != tc.want {
				t.Fatalf("%s: want %d objects, got %d", tc.reason, tc.want, len(objs))
			}
			if tc.want == 0 {
				return
			}
			cp, ok := objs[0].(*ClusterPolicy)
			if !ok {
				t.Fatalf("%s: want *ClusterPolicy, got %T", tc.reason, objs[0])
			}
			t.Logf("reason: %s", tc.reason)
			tc.check(t, cp)
		})
	}
}

// TestExplicitFalse checks the serialised form: a false that matters must be written, not left
// out by omitempty and replaced by whatever default the operator or an OLM example carries.
func TestExplicitFalse(t *testing.T) {
	objs, err := Generate(testConfig(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(objs[0])
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Spec struct {
			Driver map[string]any `json:"driver"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"usePrecompiled", "useNvidiaDriverCRD"} {
		if v, ok := m.Spec.Driver[key]; !ok || v != false {
			t.Errorf("spec.driver.%s: want explicit false, got %v (present %v)", key, v, ok)
		}
	}
	up, _ := m.Spec.Driver["upgradePolicy"].(map[string]any)
	if v, ok := up["autoUpgrade"]; !ok || v != false {
		t.Errorf("spec.driver.upgradePolicy.autoUpgrade: want explicit false, got %v (present %v)", v, ok)
	}
}

// TestGenerateDoesNotPanicWithoutDefaults: a config that skipped Default must not crash the
// generator; nil switches mean their defaults.
func TestGenerateDoesNotPanicWithoutDefaults(t *testing.T) {
	c := &config.SupremeRAID{}
	c.Name = "graid"
	c.Spec.NVIDIA.DriverVersion = "550.90.07"
	objs, err := Generate(c)
	if err != nil || len(objs) != 1 {
		t.Fatalf("want one ClusterPolicy, got %d objects, err %v", len(objs), err)
	}
}

func isTrue(b *bool) bool  { return b != nil && *b }
func isFalse(b *bool) bool { return b != nil && !*b }

func TestDriverRepository(t *testing.T) {
	cases := map[string]struct {
		reason     string
		ref        string
		repo, name string
	}{
		"default":     {reason: "NVIDIA's registry", ref: "nvcr.io/nvidia/driver:550.90.07-rhcos4.16", repo: "nvcr.io/nvidia", name: "driver"},
		"digest":      {reason: "a digest is dropped", ref: "nvcr.io/nvidia/driver@sha256:" + strings.Repeat("0", 64), repo: "nvcr.io/nvidia", name: "driver"},
		"port no tag": {reason: "a registry port is not a tag", ref: "registry.lab:5000/nvidia/driver", repo: "registry.lab:5000/nvidia", name: "driver"},
		"port, tag":   {reason: "port and tag", ref: "registry.lab:5000/a/b/driver:550.90.07", repo: "registry.lab:5000/a/b", name: "driver"},
		"empty":       {reason: "an undefaulted config gets NVIDIA's registry", ref: "", repo: "nvcr.io/nvidia", name: "driver"},
		"no slash":    {reason: "a bare name cannot be split; NVIDIA's registry", ref: "driver:1", repo: "nvcr.io/nvidia", name: "driver"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			repo, img := driverRepository(tc.ref)
			if repo != tc.repo || img != tc.name {
				t.Errorf("%s: %s: want %s + %s, got %s + %s", tc.reason, tc.ref, tc.repo, tc.name, repo, img)
			}
		})
	}
}
