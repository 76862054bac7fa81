package nvidia

import (
	"strings"
	"testing"

	"k8s.io/utils/ptr"
	"supremeraid.dev/supremeraid-fn/generators/config"
)

func TestNotes(t *testing.T) {
	cases := map[string]struct {
		reason  string
		mutate  func(*config.SupremeRAID)
		want    []string // substrings of the single note; nil means no note
		notWant []string
	}{
		"policy generated": {
			reason: "nothing to tell when the function writes the ClusterPolicy itself",
		},
		"existing policy": {
			reason: "every setting SupremeRAID depends on is named with its exact value",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.NVIDIA.ClusterPolicy = ptr.To(false)
				c.Spec.NVIDIA.DriverVersion = "535.183.06"
			},
			want: []string{
				"no ClusterPolicy is generated",
				"spec.operator.use_ocp_driver_toolkit: true",
				`spec.driver.version: "535.183.06"`,
				`NVIDIADriver covering these nodes needs spec.version "535.183.06"`,
				"spec.driver.usePrecompiled: false",
				"spec.driver.kernelModuleType: proprietary",
				"spec.gfd.enabled: true",
				"nvidia.com/cuda.driver-version.full",
				"spec.driver.upgradePolicy.autoUpgrade: false, or every SupremeRAID node labelled nvidia.com/gpu-driver-upgrade.skip=true",
				"nvidia.com/gpu.deploy.device-plugin=false",
				"the generated NodeFeatureRule sets both labels",
			},
		},
		"existing 24.9 policy": {
			reason: "GPU Operator 24.9 picks the flavour with useOpenKernelModules, not kernelModuleType",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.NVIDIA.ClusterPolicy = ptr.To(false)
				c.Spec.NVIDIA.OperatorVersion = "v24.9.2"
				c.Spec.NVIDIA.KernelModuleType = config.NVIDIAOpen
			},
			want:    []string{"spec.driver.useOpenKernelModules: true (GPU Operator 24.9 has no kernelModuleType)"},
			notWant: []string{"spec.driver.kernelModuleType"},
		},
		"device plugin off cluster-wide": {
			reason: "with devicePlugin disabled the note says so",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.NVIDIA.ClusterPolicy = ptr.To(false)
				c.Spec.NVIDIA.DevicePlugin = config.DevicePluginDisabled
			},
			want: []string{"spec.devicePlugin.enabled: false"},
		},
		"existing policy, no node discovery": {
			reason: "without the NFD rule the user must set the labels",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.NVIDIA.ClusterPolicy = ptr.To(false)
				c.Spec.NodeDiscovery.Enabled = ptr.To(false)
			},
			want:    []string{"label the nodes yourself"},
			notWant: []string{"the generated NodeFeatureRule"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			notes := Notes(testConfig(t, tc.mutate))
			if tc.want == nil {
				if len(notes) != 0 {
					t.Errorf("%s: want no notes, got %q", tc.reason, notes)
				}
				return
			}
			if len(notes) != 1 {
				t.Fatalf("%s: want one note, got %q", tc.reason, notes)
			}
			for _, w := range tc.want {
				if !strings.Contains(notes[0], w) {
					t.Errorf("%s: note lacks %q:\n%s", tc.reason, w, notes[0])
				}
			}
			for _, w := range tc.notWant {
				if strings.Contains(notes[0], w) {
					t.Errorf("%s: note must not say %q:\n%s", tc.reason, w, notes[0])
				}
			}
		})
	}
}
