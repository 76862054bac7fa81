package nfd

import (
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
		want   *NodeFeatureRule // nil: no object
	}{
		"defaults": {
			reason: "every default SupremeRAID GPU, ANDed with an NVMe controller; labels are the SupremeRAID node label and the two GPU Operator opt-outs",
			want:   wantRule("graid", nil, []string{"1fb0", "1fb2", "1ff0", "1ff2", "2531", "2571", "25b0", "25b2"}),
		},
		"own device IDs": {
			reason: "spec.nodeDiscovery.gpuDeviceIDs replaces the defaults, in the given order",
			mutate: func(c *config.SupremeRAID) { c.Spec.NodeDiscovery.GPUDeviceIDs = []string{"2571", "25b0"} },
			want:   wantRule("graid", nil, []string{"2571", "25b0"}),
		},
		"name and sync wave": {
			reason: "the rule is named after metadata.name and, with sync waves, is an operand (wave 0)",
			mutate: func(c *config.SupremeRAID) { c.Name = "lab"; c.Spec.ArgoCD.SyncWaves = true },
			want:   wantRule("lab", map[string]string{meta.SyncWaveKey: "0"}, []string{"1fb0", "1fb2", "1ff0", "1ff2", "2531", "2571", "25b0", "25b2"}),
		},
		"disabled": {
			reason: "spec.nodeDiscovery.enabled: false emits no rule (Notes lists the labels to set by hand)",
			mutate: func(c *config.SupremeRAID) { c.Spec.NodeDiscovery.Enabled = ptr.To(false) },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := Generate(testConfig(t, tc.mutate))
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if tc.want == nil {
				if len(objs) != 0 {
					t.Errorf("%s: want no objects, got %d", tc.reason, len(objs))
				}
				return
			}
			if len(objs) != 1 {
				t.Fatalf("%s: want one object, got %d", tc.reason, len(objs))
			}
			if diff := cmp.Diff(tc.want, objs[0]); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

// TestGenerateCopiesIDs: the rule must not alias the config's slice, or a later change to one
// would silently change the other.
func TestGenerateCopiesIDs(t *testing.T) {
	cfg := testConfig(t, nil)
	objs, _ := Generate(cfg)
	cfg.Spec.NodeDiscovery.GPUDeviceIDs[0] = "ffff"
	got := objs[0].(*NodeFeatureRule).Spec.Rules[0].MatchFeatures[0].MatchExpressions["device"].Value[0]
	if got != config.DefaultGPUDeviceIDs[0] {
		t.Errorf("rule shares the config's slice: device[0] became %q", got)
	}
}

func TestGenerateWithoutDefaults(t *testing.T) {
	c := &config.SupremeRAID{}
	c.Name = "graid"
	objs, err := Generate(c)
	if err != nil || len(objs) != 1 {
		t.Fatalf("want one rule from an undefaulted config, got %d, err %v", len(objs), err)
	}
	ids := objs[0].(*NodeFeatureRule).Spec.Rules[0].MatchFeatures[0].MatchExpressions["device"].Value
	if diff := cmp.Diff(config.DefaultGPUDeviceIDs, ids); diff != "" {
		t.Errorf("an empty ID list must fall back to the defaults, not produce an In without values (-want +got):\n%s", diff)
	}
}

// wantRule is the rule expected for metadata.name configName.
func wantRule(configName string, annotations map[string]string, ids []string) *NodeFeatureRule {
	r := &NodeFeatureRule{Spec: NodeFeatureRuleSpec{Rules: []Rule{{
		Name: "supremeraid-gpu-and-nvme",
		Labels: map[string]string{
			"feature.node.kubernetes.io/supremeraid": "true",
			"nvidia.com/gpu.deploy.device-plugin":    "false",
			"nvidia.com/gpu-driver-upgrade.skip":     "true",
		},
		MatchFeatures: []FeatureMatcherTerm{
			{Feature: "pci.device", MatchExpressions: map[string]MatchExpression{
				"vendor": {Op: "In", Value: []string{"10de"}},
				"device": {Op: "In", Value: ids},
			}},
			{Feature: "pci.device", MatchExpressions: map[string]MatchExpression{
				"class": {Op: "In", Value: []string{"0108"}},
			}},
		},
	}}}}
	r.APIVersion, r.Kind = "nfd.k8s-sigs.io/v1alpha1", "NodeFeatureRule"
	r.Name = configName + "-supremeraid"
	r.Annotations = annotations
	r.Labels = map[string]string{
		"app.kubernetes.io/managed-by": "supremeraid-fn",
		"app.kubernetes.io/part-of":    configName,
		"app.kubernetes.io/component":  "nfd",
	}
	return r
}
