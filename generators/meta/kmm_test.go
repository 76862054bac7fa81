package meta_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/testconfig"
	"supremeraid.dev/supremeraid-fn/generators/kmm"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

func TestNodeSelectorAndGate(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
		want   map[string]string
	}{
		"default": {
			reason: "the NFD label plus the GFD driver-version label",
			want:   map[string]string{config.NodeLabel: "true", "nvidia.com/cuda.driver-version.full": "550.90.07"},
		},
		"own selector, other driver": {
			reason: "a user selector is kept whole and the gate follows spec.nvidia.driverVersion",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.NodeSelector = map[string]string{"node-role.kubernetes.io/storage": "", "example.com/rack": "r1"}
				c.Spec.NVIDIA.DriverVersion = "570.133.20"
			},
			want: map[string]string{"node-role.kubernetes.io/storage": "", "example.com/rack": "r1", "nvidia.com/cuda.driver-version.full": "570.133.20"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := testconfig.Valid(t, tc.mutate)
			if diff := cmp.Diff(tc.want, meta.ModuleSelector(cfg)); diff != "" {
				t.Errorf("ModuleSelector (-want +got) (%s):\n%s", tc.reason, diff)
			}
			gate := meta.LoadGate(cfg)
			if len(gate) != 1 || gate[config.DriverVersionLabel] != cfg.Spec.NVIDIA.DriverVersion {
				t.Errorf("LoadGate = %v", gate)
			}
			for k, v := range meta.ModuleSelector(cfg) {
				if errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...); len(errs) > 0 {
					t.Errorf("selector %s=%s is not a valid label: %v", k, v, errs)
				}
			}
		})
	}
}

// TestReadyLabel checks KMM's ready label for the names the node generator will select on,
// including the longest name and namespace Validate lets through.
func TestReadyLabel(t *testing.T) {
	cfg := testconfig.Valid(t, nil)
	if got, want := meta.ModuleReadyLabel(cfg), "kmm.node.kubernetes.io/supremeraid.graid.ready"; got != want {
		t.Errorf("ModuleModuleReadyLabel = %q, want %q", got, want)
	}
	long := testconfig.Valid(t, func(c *config.SupremeRAID) {
		c.Name = strings.Repeat("n", 10)
		c.Spec.Namespace = strings.Repeat("s", kmm.MaxModuleNameAndNamespace-10)
	})
	if errs := validation.IsQualifiedName(meta.ModuleReadyLabel(long)); len(errs) > 0 {
		t.Errorf("ModuleModuleReadyLabel %q for the longest accepted names is not a valid label key: %v", meta.ModuleReadyLabel(long), errs)
	}
	// KMM's ordered-upgrade label is the longest it derives; it must fit too, should it be used.
	version := "kmm.node.kubernetes.io/version-module." + long.Spec.Namespace + "." + long.Name
	if errs := validation.IsQualifiedName(version); len(errs) > 0 {
		t.Errorf("KMM's version label %q would be invalid: %v", version, errs)
	}
}

func TestVolumeNodeSelector(t *testing.T) {
	cfg := testconfig.Valid(t, nil)
	want := map[string]string{
		config.NodeLabel:                                 "true",
		"nvidia.com/cuda.driver-version.full":            "550.90.07",
		"kmm.node.kubernetes.io/supremeraid.graid.ready": "",
	}
	if diff := cmp.Diff(want, meta.VolumeNodeSelector(cfg)); diff != "" {
		t.Errorf("VolumeNodeSelector (-want +got): the Module's nodes where KMM has loaded graid:\n%s", diff)
	}
	meta.VolumeNodeSelector(cfg)["x"] = "y"
	if _, leaked := meta.VolumeNodeSelector(cfg)["x"]; leaked {
		t.Error("VolumeNodeSelector returned a shared map")
	}
}
