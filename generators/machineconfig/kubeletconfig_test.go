package machineconfig_test

import (
	"encoding/json"
	"testing"

	mcfgv1 "github.com/openshift/api/machineconfiguration/v1"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/crdcheck"
	"supremeraid.dev/supremeraid-fn/generators/machineconfig"
)

// checkKubeletConfig validates a KubeletConfig against openshift/api's CRD and strict-decodes
// the rendered YAML into openshift/api's Go type.
func checkKubeletConfig(t *testing.T, kc *machineconfig.KubeletConfig, rendered []byte) {
	t.Helper()
	crdcheck.Validate(t, "machineconfiguration.openshift.io_kubeletconfigs.yaml", kc)
	var got mcfgv1.KubeletConfig
	require.NoError(t, yaml.UnmarshalStrict(rendered, &got), "%s", rendered)
	require.NotNil(t, got.Spec.MachineConfigPoolSelector)
	require.NotNil(t, got.Spec.KubeletConfig)
	var kubelet map[string]string
	require.NoError(t, json.Unmarshal(got.Spec.KubeletConfig.Raw, &kubelet))
	assert.NotEmpty(t, kubelet["shutdownGracePeriod"])
}

func TestShutdownKubeletConfig(t *testing.T) {
	cases := map[string]struct {
		reason       string
		mutate       func(*config.SupremeRAID)
		wantPools    []string
		wantTotal    string
		wantCritical string
	}{
		"defaults": {
			reason:    "the dedicated supremeraid pool (the default); the node pod's 120 s (graid's 60 s included) for critical pods plus 60 s for tenants",
			wantPools: []string{"supremeraid"}, wantTotal: "180s", wantCritical: "120s",
		},
		"custom pool and longer grace": {
			reason: "the custom pool is selected by the pool label we give it; the grace period follows the node pod's",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.MachineConfig.CustomPool = &config.CustomPool{Name: "storage"}
				g := int64(300)
				c.Spec.Node.TerminationGracePeriodSeconds = &g
			},
			wantPools: []string{"storage"}, wantTotal: "360s", wantCritical: "300s",
		},
		"disabled": {
			reason: "machineConfig disabled: no KubeletConfig either (same reboot switch)",
			mutate: func(c *config.SupremeRAID) { c.Spec.MachineConfig.Enabled = new(bool) },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := machineconfig.Generate(testConfig(t, tc.mutate))
			require.NoError(t, err)
			var pools []string
			for _, o := range objs {
				kc, ok := o.(*machineconfig.KubeletConfig)
				if !ok {
					continue
				}
				require.Len(t, kc.Spec.MachineConfigPoolSelector.MatchLabels, 1)
				for k, v := range kc.Spec.MachineConfigPoolSelector.MatchLabels {
					assert.Equal(t, "", v)
					pools = append(pools, k[len(machineconfig.PoolLabelPrefix):])
				}
				var kubelet map[string]string
				require.NoError(t, json.Unmarshal(kc.Spec.KubeletConfig, &kubelet))
				assert.Equal(t, map[string]string{"shutdownGracePeriod": tc.wantTotal, "shutdownGracePeriodCriticalPods": tc.wantCritical}, kubelet, tc.reason)
			}
			assert.Equal(t, tc.wantPools, pools, tc.reason)
		})
	}
}
