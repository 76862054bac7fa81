// Package nvidia generates the NVIDIA GPU Operator's ClusterPolicy for SupremeRAID: the driver
// pinned to the version graid_nvidia is built against, built with the OpenShift Driver Toolkit,
// never reloaded behind graid's back, and the SupremeRAID GPU kept away from the scheduler.
package nvidia

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Component is the app.kubernetes.io/component label value of this family.
const Component = "nvidia"

// Settings the ClusterPolicy pins. Notes repeats them for a cluster that brings its own policy.
const (
	// PolicyName is the name OpenShift's GPU Operator documentation and console use. The
	// operator reconciles only one ClusterPolicy, so reusing the usual name makes an existing
	// one show up as a conflict instead of as a silently ignored second policy.
	PolicyName = "gpu-cluster-policy"
	// DaemonsetMaxUnavailable rolls operand DaemonSets one node at a time. The driver DaemonSet
	// is not affected: the operator always keeps it OnDelete.
	DaemonsetMaxUnavailable = "1"
)

// Generate returns the ClusterPolicy, or nothing when spec.nvidia.clusterPolicy is false (the
// cluster already has one; Notes then says what it must contain).
func Generate(cfg *config.SupremeRAID) ([]any, error) {
	if !enabled(cfg.Spec.NVIDIA.ClusterPolicy) {
		return nil, nil
	}
	return []any{clusterPolicy(cfg)}, nil
}

func clusterPolicy(cfg *config.SupremeRAID) *ClusterPolicy {
	on := ptr.To(true)
	repo, image := driverRepository(cfg.Spec.NVIDIA.DriverImage)
	policy := &ClusterPolicy{
		TypeMeta:   metav1.TypeMeta{APIVersion: APIVersion, Kind: Kind},
		ObjectMeta: meta.Object(cfg, PolicyName, "", Component, meta.WaveOperands),
		Spec: ClusterPolicySpec{
			Operator: OperatorSpec{DefaultRuntime: "crio", UseOpenShiftDriverToolkit: on},
			Daemonsets: DaemonsetsSpec{
				PriorityClassName: "system-node-critical",
				UpdateStrategy:    "RollingUpdate",
				RollingUpdate:     &RollingUpdateSpec{MaxUnavailable: DaemonsetMaxUnavailable},
			},
			Driver: DriverSpec{
				Enabled: on,
				// The version lives here, not in an NVIDIADriver object, and is built on the
				// node by the Driver Toolkit rather than taken precompiled: the same source
				// and headers the KMM build of graid_nvidia uses.
				UseNvidiaDriverCRD: ptr.To(false),
				UsePrecompiled:     ptr.To(false),
				Repository:         repo,
				Image:              image,
				Version:            cfg.Spec.NVIDIA.DriverVersion,
				// The upgrade controller would cordon, drain and restart the driver pod, whose
				// k8s-driver-manager then tries to unload nvidia while graid_nvidia holds it.
				// Off, a driver pod is only replaced when someone deletes it (the driver
				// DaemonSet is OnDelete), which the documented upgrade order does after graid
				// is stopped.
				UpgradePolicy: &UpgradePolicySpec{AutoUpgrade: ptr.To(false)},
			},
			Toolkit: ComponentSpec{Enabled: on},
			// perNode: enabled cluster-wide for ordinary GPU nodes, SupremeRAID nodes opt out
			// through the meta.DevicePluginDeployLabel the NFD rule sets (the operator validator
			// then stays unready there: NVIDIA/gpu-operator#2550). disabled: off everywhere,
			// for clusters whose only NVIDIA GPUs are SupremeRAID cards.
			DevicePlugin: ComponentSpec{Enabled: ptr.To(cfg.Spec.NVIDIA.DevicePlugin != config.DevicePluginDisabled)},
			DCGM:         ComponentSpec{Enabled: on},
			DCGMExporter: ComponentSpec{Enabled: on},
			// GPU Feature Discovery labels each node with the loaded driver version
			// (config.DriverVersionLabel), which the KMM Module and node DaemonSet select on.
			GFD:                ComponentSpec{Enabled: on},
			NodeStatusExporter: ComponentSpec{Enabled: on},
		},
	}
	// nvidia.ko must be the flavour graid_nvidia is built against; "auto" would pick open
	// modules on recent drivers whatever the build used. GPU Operator 24.9 knows only
	// useOpenKernelModules (and refuses kernelModuleType under strict apply); 25.3 and later
	// no longer honour useOpenKernelModules.
	if cfg.Spec.NVIDIA.GPUOperator().AtLeast(config.KernelModuleTypeSince) {
		policy.Spec.Driver.KernelModuleType = string(kernelModuleType(cfg))
	} else {
		policy.Spec.Driver.UseOpenKernelModules = ptr.To(kernelModuleType(cfg) == config.NVIDIAOpen)
	}
	return policy
}

// driverRepository splits spec.nvidia.driverImage (the image the KMM build takes the NVIDIA
// source from) into the ClusterPolicy's repository and image, so the operator pulls the driver
// from the same registry, a mirror included. The tag or digest is dropped: the operator tags by
// driver.version and appends the RHCOS version itself.
func driverRepository(ref string) (repository, image string) {
	if ref == "" {
		ref = config.DefaultNVIDIADriverImageRepo
	}
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i] // a tag, not a registry port
	}
	i := strings.LastIndex(ref, "/")
	if i < 0 {
		return driverRepository(config.DefaultNVIDIADriverImageRepo)
	}
	return ref[:i], ref[i+1:]
}

func kernelModuleType(cfg *config.SupremeRAID) config.NVIDIAKernelModuleType {
	if t := cfg.Spec.NVIDIA.KernelModuleType; t != "" {
		return t
	}
	return config.DefaultNVIDIAKernelModule
}

// enabled reads an optional switch whose default is on; Default sets it, this only keeps a
// config that skipped Default from panicking.
func enabled(b *bool) bool { return b == nil || *b }
