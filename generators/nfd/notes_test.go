package nfd

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

func TestNotes(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
		want   []string
	}{
		"rule generated, default selector": {
			reason: "the rule labels exactly what everything selects on: nothing to say",
		},
		"disabled": {
			reason: "without the rule, the user labels nodes: selector label and both GPU Operator opt-outs, ready to paste",
			mutate: func(c *config.SupremeRAID) { c.Spec.NodeDiscovery.Enabled = ptr.To(false) },
			want: []string{"spec.nodeDiscovery.enabled is false, so no NodeFeatureRule is generated; label every SupremeRAID node yourself: " +
				"oc label node <node> feature.node.kubernetes.io/supremeraid=true nvidia.com/gpu-driver-upgrade.skip=true nvidia.com/gpu.deploy.device-plugin=false"},
		},
		"disabled, own selector": {
			reason: "the labels to set are the configured selector's, not the rule's",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.NodeDiscovery.Enabled = ptr.To(false)
				c.Spec.NodeSelector = map[string]string{"node-role.kubernetes.io/storage": "", "example.com/raid": "yes"}
			},
			want: []string{"spec.nodeDiscovery.enabled is false, so no NodeFeatureRule is generated; label every SupremeRAID node yourself: " +
				"oc label node <node> example.com/raid=yes node-role.kubernetes.io/storage= nvidia.com/gpu-driver-upgrade.skip=true nvidia.com/gpu.deploy.device-plugin=false"},
		},
		"rule generated, own selector": {
			reason: "the rule cannot know which extra labels the user meant; say so instead of failing silently",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.NodeSelector = map[string]string{"node-role.kubernetes.io/storage": ""}
			},
			want: []string{"spec.nodeSelector (node-role.kubernetes.io/storage=) is not the label the NodeFeatureRule graid-supremeraid sets " +
				"(feature.node.kubernetes.io/supremeraid=true): the modules and the node agent run only on nodes that also carry the spec.nodeSelector labels; set them yourself"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := Notes(testConfig(t, tc.mutate))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}
