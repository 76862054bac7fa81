package nvidia

import (
	"fmt"
	"strings"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
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
		flavourSetting(cfg),
		fmt.Sprintf("spec.gfd.enabled: true (the modules and the node agent select nodes by the %s label GPU Feature Discovery sets)",
			config.DriverVersionLabel),
		fmt.Sprintf("spec.driver.upgradePolicy.autoUpgrade: false, or every SupremeRAID node labelled %s=true", meta.DriverUpgradeSkipLabel),
		devicePluginSetting(cfg, labelled),
	}
	return []string{"spec.nvidia.clusterPolicy is false, so no ClusterPolicy is generated; the cluster's ClusterPolicy must have: " +
		strings.Join(settings, "; ")}
}

// flavourSetting names the ClusterPolicy field that picks the nvidia.ko flavour in the GPU
// Operator release the user named (24.9: useOpenKernelModules; 25.3 and later: kernelModuleType).
func flavourSetting(cfg *config.SupremeRAID) string {
	t := kernelModuleType(cfg)
	if cfg.Spec.NVIDIA.GPUOperator().AtLeast(config.KernelModuleTypeSince) {
		return fmt.Sprintf("spec.driver.kernelModuleType: %s, the flavour graid_nvidia is built against", t)
	}
	return fmt.Sprintf("spec.driver.useOpenKernelModules: %t (GPU Operator 24.9 has no kernelModuleType), the flavour graid_nvidia is built against", t == config.NVIDIAOpen)
}

// devicePluginSetting says how the SupremeRAID GPU stays away from the scheduler in the mode the
// user chose (spec.nvidia.devicePlugin).
func devicePluginSetting(cfg *config.SupremeRAID, labelled string) string {
	if cfg.Spec.NVIDIA.DevicePlugin == config.DevicePluginDisabled {
		return "spec.devicePlugin.enabled: false (spec.nvidia.devicePlugin is disabled: the cluster's only NVIDIA GPUs are SupremeRAID cards)"
	}
	return fmt.Sprintf("every SupremeRAID node labelled %s=false (spec.devicePlugin.enabled may stay true for other nodes; %s)",
		meta.DevicePluginDeployLabel, labelled)
}
