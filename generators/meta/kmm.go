package meta

import (
	"maps"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// The load gate: KMM loads graid and graid_nvidia only on SupremeRAID nodes whose NVIDIA driver,
// as GPU Feature Discovery reads it from the loaded nvidia.ko, is the exact version graid_nvidia
// was built against. Because the version is part of the selector, changing
// spec.nvidia.driverVersion also makes KMM unload graid from nodes still running the old
// driver, which is what lets the GPU Operator unload nvidia there (graid_nvidia holds it).

// ModuleName is the name of the Module (and of the KMM node labels derived from it).
func ModuleName(cfg *config.SupremeRAID) string { return cfg.Name }

// LoadGate returns the node label that proves the right NVIDIA driver is loaded.
func LoadGate(cfg *config.SupremeRAID) map[string]string {
	return map[string]string{config.DriverVersionLabel: cfg.Spec.NVIDIA.DriverVersion}
}

// ModuleSelector is the Module's selector: the SupremeRAID nodes, gated on the NVIDIA driver. The
// node DaemonSet should select the same labels plus ModuleReadyLabel: it then starts only where the
// modules are loaded, and leaves a node (unmounting) as soon as the driver version no longer
// matches, which is also when KMM starts unloading there (the unload fails, and is retried,
// while graid is in use).
func ModuleSelector(cfg *config.SupremeRAID) map[string]string {
	sel := maps.Clone(cfg.Spec.NodeSelector)
	if sel == nil {
		sel = map[string]string{}
	}
	maps.Copy(sel, LoadGate(cfg)) // Validate forbids the key in spec.nodeSelector
	return sel
}

// ModuleReadyLabel is the node label KMM sets (value "") once the Module's modules are loaded on a
// node and removes after it unloads them: kmm.node.kubernetes.io/<namespace>.<name>.ready.
func ModuleReadyLabel(cfg *config.SupremeRAID) string {
	return "kmm.node.kubernetes.io/" + cfg.Spec.Namespace + "." + ModuleName(cfg) + ".ready"
}

// VolumeNodeSelector is the Module's selector (SupremeRAID nodes with the pinned NVIDIA driver)
// plus KMM's ready label: the node DaemonSet's pods start only where graid is loaded, and leave
// a node, unmounting first, as soon as the driver version stops matching, which is when KMM has
// to unload graid there. These are the nodes where the workload volumes are mounted, so the OPA
// policy steers opted-in pods with the same labels. It returns a new map on every call.
func VolumeNodeSelector(cfg *config.SupremeRAID) map[string]string {
	sel := ModuleSelector(cfg)
	sel[ModuleReadyLabel(cfg)] = ""
	return sel
}
