package meta

import "supremeraid.dev/supremeraid-fn/generators/config"

// Node labels the GPU Operator reads (the nfd family sets them, the nvidia family relies on them). The operator sets each nvidia.com/gpu.deploy.* label to
// "true" on GPU nodes only when the label is absent, and honours a value already there
// (controllers/state_manager.go, addGPUStateLabels), so a "false" put there by the NFD rule
// sticks. Its DaemonSets select nodes by these labels; the device plugin's nodeSelector is
// nvidia.com/gpu.deploy.device-plugin: "true".
const (
	// DevicePluginDeployLabel keeps the device plugin, and so the nvidia.com/gpu resource, off a
	// node when "false": the SupremeRAID GPU is busy computing parity and must not be handed
	// to pods.
	DevicePluginDeployLabel = "nvidia.com/gpu.deploy.device-plugin"
	// DriverUpgradeSkipLabel makes the GPU Operator's upgrade controller leave a node alone when
	// "true": it would otherwise unload nvidia, which graid_nvidia holds.
	DriverUpgradeSkipLabel = "nvidia.com/gpu-driver-upgrade.skip"
)

// NodeLabels are the labels every SupremeRAID node carries: the node label the rest of the
// function selects on, and the two that keep the GPU Operator from handing out or reloading the
// GPU. The NFD rule sets them; without node discovery the user must.
func NodeLabels() map[string]string {
	return map[string]string{
		config.NodeLabel:        "true",
		DevicePluginDeployLabel: "false",
		DriverUpgradeSkipLabel:  "true",
	}
}
