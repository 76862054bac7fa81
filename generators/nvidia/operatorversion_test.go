package nvidia_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/crdcheck"
	"supremeraid.dev/supremeraid-fn/generators/nvidia"
)

// clusterPolicyCRDs are the GPU Operator releases whose ClusterPolicy CRD is in
// generators/internal/crdcheck/testdata/crds (see PROVENANCE.md there).
var clusterPolicyCRDs = map[string]string{
	"v24.9.2":  "nvidia.com_clusterpolicies-v24.9.2.yaml",
	"v25.3.4":  "nvidia.com_clusterpolicies-v25.3.4.yaml",
	"v25.10.1": "nvidia.com_clusterpolicies-v25.10.1.yaml",
	"v26.3.3":  "nvidia.com_clusterpolicies-v26.3.3.yaml",
	"v26.7.0":  "nvidia.com_clusterpolicies.yaml",
}

// TestClusterPolicyPerOperatorVersion renders the ClusterPolicy for each release the user can
// name and validates it against that release's CRD, for both flavours and both device plugin
// modes: 24.9 gets useOpenKernelModules, 25.3 and later kernelModuleType.
func TestClusterPolicyPerOperatorVersion(t *testing.T) {
	for version, crd := range clusterPolicyCRDs {
		for _, flavour := range []config.NVIDIAKernelModuleType{config.NVIDIAProprietary, config.NVIDIAOpen} {
			for _, dp := range []config.NVIDIADevicePlugin{config.DevicePluginPerNode, config.DevicePluginDisabled} {
				t.Run(version+"/"+string(flavour)+"/"+string(dp), func(t *testing.T) {
					objs, err := nvidia.Generate(testConfig(t, func(c *config.SupremeRAID) {
						c.Spec.NVIDIA.OperatorVersion = version
						c.Spec.NVIDIA.KernelModuleType = flavour
						c.Spec.NVIDIA.DevicePlugin = dp
					}))
					require.NoError(t, err)
					require.Len(t, objs, 1)
					crdcheck.Validate(t, crd, objs[0])
					d := objs[0].(*nvidia.ClusterPolicy).Spec.Driver
					if version == "v24.9.2" {
						assert.Empty(t, d.KernelModuleType, "24.9 has no kernelModuleType")
						require.NotNil(t, d.UseOpenKernelModules)
						assert.Equal(t, flavour == config.NVIDIAOpen, *d.UseOpenKernelModules)
					} else {
						assert.Nil(t, d.UseOpenKernelModules, "25.3+ no longer honour useOpenKernelModules")
						assert.Equal(t, string(flavour), d.KernelModuleType)
					}
					got := objs[0].(*nvidia.ClusterPolicy).Spec.DevicePlugin.Enabled
					require.NotNil(t, got)
					assert.Equal(t, dp == config.DevicePluginPerNode, *got, "devicePlugin.enabled")
				})
			}
		}
	}
}

// TestOperatorVersionShapeMatters shows the CRD check can fail: the 25.3 shape is refused by
// the 24.9 CRD (kernelModuleType is unknown there), which is what strict apply would do.
func TestOperatorVersionShapeMatters(t *testing.T) {
	objs, err := nvidia.Generate(testConfig(t, func(c *config.SupremeRAID) { c.Spec.NVIDIA.OperatorVersion = "25.3" }))
	require.NoError(t, err)
	errs, err := crdcheck.Check(clusterPolicyCRDs["v24.9.2"], objs[0])
	require.NoError(t, err)
	require.NotEmpty(t, errs, "the v24.9.2 CRD accepted spec.driver.kernelModuleType")
	assert.Contains(t, errs.ToAggregate().Error(), "kernelModuleType")
}
