package machineconfig

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

func TestGenerate(t *testing.T) {
	type obj struct{ kind, name, role, wave string }
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
		want   []obj
	}{
		"default pool": {
			reason: "by default a dedicated pool for SupremeRAID nodes and its MachineConfig: no other worker reboots",
			want: []obj{
				{"MachineConfigPool", "supremeraid", "", ""},
				{"MachineConfig", "99-supremeraid-graid-supremeraid", "supremeraid", ""},
			},
		},
		"worker pool": {
			reason: "the worker pool is an explicit choice, and then no pool is made",
			mutate: func(c *config.SupremeRAID) { c.Spec.MachineConfig.Pools = []string{"worker"} },
			want:   []obj{{"MachineConfig", "99-worker-graid-supremeraid", "worker", ""}},
		},
		"several pools": {
			reason: "one MachineConfig per listed pool, in the listed order",
			mutate: func(c *config.SupremeRAID) { c.Spec.MachineConfig.Pools = []string{"worker", "gpu"} },
			want: []obj{
				{"MachineConfig", "99-worker-graid-supremeraid", "worker", ""},
				{"MachineConfig", "99-gpu-graid-supremeraid", "gpu", ""},
			},
		},
		"custom pool": {
			reason: "a custom pool comes first (foundation wave), then the MachineConfig for its role (operand wave)",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.MachineConfig.CustomPool = &config.CustomPool{Name: "storage"}
				c.Spec.ArgoCD.SyncWaves = true
			},
			want: []obj{
				{"MachineConfigPool", "storage", "", "-2"},
				{"MachineConfig", "99-storage-graid-supremeraid", "storage", "0"},
			},
		},
		"disabled": {
			reason: "spec.machineConfig.enabled: false emits nothing, not even the custom pool",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.MachineConfig.Enabled = ptr.To(false)
				c.Spec.MachineConfig.CustomPool = &config.CustomPool{Name: "storage"}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := Generate(testConfig(t, tc.mutate))
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			var got []obj
			for _, o := range objs {
				switch v := o.(type) {
				case *MachineConfig:
					got = append(got, obj{v.Kind, v.Name, v.Labels[RoleLabel], v.Annotations[meta.SyncWaveKey]})
				case *MachineConfigPool:
					got = append(got, obj{v.Kind, v.Name, v.Labels[RoleLabel], v.Annotations[meta.SyncWaveKey]})
				case *KubeletConfig: // graceful node shutdown, tested in kubeletconfig_test.go
				default:
					t.Fatalf("%s: unexpected %T", tc.reason, o)
				}
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(obj{})); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

// TestMachineConfigSpec checks the content of one MachineConfig: the kernel arguments and the
// Ignition config built from Files, plus the common labels.
func TestMachineConfigSpec(t *testing.T) {
	cfg := testConfig(t, func(c *config.SupremeRAID) { c.Spec.Kernel.ExtraArgs = []string{"pci=realloc"} })
	objs, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var mc *MachineConfig
	for _, o := range objs {
		if m, ok := o.(*MachineConfig); ok {
			mc = m
		}
	}
	if mc == nil {
		t.Fatal("no MachineConfig generated")
	}
	if diff := cmp.Diff([]string{"iommu=pt", "nvme_core.multipath=Y", "modprobe.blacklist=nouveau", "rd.driver.blacklist=nouveau", "pci=realloc"}, mc.Spec.KernelArguments); diff != "" {
		t.Errorf("kernel arguments (-want +got):\n%s", diff)
	}
	wantIgn, err := Ignition(Files(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if string(mc.Spec.Config) != string(wantIgn) {
		t.Errorf("config: want\n%s\ngot\n%s", wantIgn, mc.Spec.Config)
	}
	wantLabels := map[string]string{
		meta.LabelManagedBy: meta.ManagedBy, meta.LabelPartOf: "graid", meta.LabelComponent: Component, RoleLabel: config.DefaultCustomPool,
	}
	if diff := cmp.Diff(wantLabels, mc.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	if mc.Namespace != "" {
		t.Errorf("MachineConfig is cluster-scoped, got namespace %q", mc.Namespace)
	}
}

// TestMachineConfigsDoNotShare: each pool's object owns its slices, so a kustomize-style edit of
// one in memory cannot change the other.
func TestMachineConfigsDoNotShare(t *testing.T) {
	objs, _ := Generate(testConfig(t, func(c *config.SupremeRAID) { c.Spec.MachineConfig.Pools = []string{"a", "b"} }))
	a, b := objs[0].(*MachineConfig), objs[1].(*MachineConfig)
	a.Spec.KernelArguments[0] = "changed"
	a.Spec.Config[0] = ' '
	if b.Spec.KernelArguments[0] == "changed" || b.Spec.Config[0] == ' ' {
		t.Error("MachineConfigs share backing arrays")
	}
}

func TestName(t *testing.T) {
	cfg := testConfig(t, func(c *config.SupremeRAID) { c.Name = "lab" })
	if got := Name(cfg, "storage"); got != "99-storage-lab-supremeraid" {
		t.Errorf("got %s", got)
	}
}
