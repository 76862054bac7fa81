package nvidia

import (
	"fmt"
	"strings"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// Notes tells the user, when no ClusterPolicy is generated, exactly which settings the cluster's
// own ClusterPolicy must have for SupremeRAID to work and stay safe.
func Notes(cfg *config.SupremeRAID) []string {
	if enabled(cfg.Spec.NVIDIA.ClusterPolicy) {
		return nil
	}
	v := cfg.Spec.NVIDIA.DriverVersion
	labelled := "spec.nodeDiscovery.enabled is false, so label the nodes yourself"
	if enabled(cfg.Spec.NodeDiscovery.Enabled) {
		labelled = "the generated NodeFeatureRule sets both labels"
	}
	settings := []string{
		"spec.operator.use_ocp_driver_toolkit: true",
		fmt.Sprintf("spec.driver.enabled: true and spec.driver.version: %q, the version graid_nvidia is built against "+
			"(with spec.driver.useNvidiaDriverCRD: true, the NVIDIADriver covering these nodes needs spec.version %q instead)", v, v),
		"spec.driver.usePrecompiled: false",
		fmt.Sprintf("spec.driver.kernelModuleType: %s, the flavour graid_nvidia is built against", kernelModuleType(cfg)),
		fmt.Sprintf("spec.gfd.enabled: true (the modules and the node agent select nodes by the %s label GPU Feature Discovery sets)",
			config.DriverVersionLabel),
		fmt.Sprintf("spec.driver.upgradePolicy.autoUpgrade: false, or every SupremeRAID node labelled %s=true", DriverUpgradeSkipLabel),
		fmt.Sprintf("every SupremeRAID node labelled %s=false (spec.devicePlugin.enabled may stay true for other nodes; %s)",
			DevicePluginDeployLabel, labelled),
	}
	return []string{"spec.nvidia.clusterPolicy is false, so no ClusterPolicy is generated; the cluster's ClusterPolicy must have: " +
		strings.Join(settings, "; ")}
}
