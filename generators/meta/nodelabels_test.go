package meta

import (
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

func TestNodeLabels(t *testing.T) {
	labels := NodeLabels()
	cases := map[string]struct {
		reason string
		key    string
		want   string
	}{
		"selector": {reason: "the label every SupremeRAID object selects nodes by", key: config.NodeLabel, want: "true"},
		"device plugin": {reason: "the GPU Operator's device plugin DaemonSet selects nodes with this label \"true\"; \"false\" keeps the GPU unadvertised",
			key: "nvidia.com/gpu.deploy.device-plugin", want: "false"},
		"upgrade skip": {reason: "the upgrade controller skips nodes with this label \"true\"",
			key: "nvidia.com/gpu-driver-upgrade.skip", want: "true"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got, ok := labels[tc.key]; !ok || got != tc.want {
				t.Errorf("%s: %s: want %q, got %q (present %v)", tc.reason, tc.key, tc.want, got, ok)
			}
		})
	}
	if len(labels) != len(cases) {
		t.Errorf("NodeLabels has %d labels, the test knows %d: %v", len(labels), len(cases), labels)
	}
	for k, v := range labels {
		for _, msg := range append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...) {
			t.Errorf("%s=%s: %s", k, v, msg)
		}
	}
}
