package nvidia

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The GPU Operator has no Go module reachable here, so these are the few ClusterPolicy fields we
// set, with the upstream JSON names (github.com/NVIDIA/gpu-operator api/nvidia/v1). Booleans are
// pointers so that an explicit false (autoUpgrade: false) is written instead of dropped by
// omitempty and left to a default someone else chose. The schema test proves every field against
// the upstream CRD.

// API identity of the ClusterPolicy.
const (
	APIVersion = "nvidia.com/v1"
	Kind       = "ClusterPolicy"
)

// ClusterPolicy is the GPU Operator's cluster-scoped singleton.
type ClusterPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ClusterPolicySpec `json:"spec"`
}

// ClusterPolicySpec holds the sections the CRD requires, and nothing else: every other section
// keeps the operator's defaults.
type ClusterPolicySpec struct {
	Operator           OperatorSpec   `json:"operator"`
	Daemonsets         DaemonsetsSpec `json:"daemonsets"`
	Driver             DriverSpec     `json:"driver"`
	Toolkit            ComponentSpec  `json:"toolkit"`
	DevicePlugin       ComponentSpec  `json:"devicePlugin"`
	DCGM               ComponentSpec  `json:"dcgm"`
	DCGMExporter       ComponentSpec  `json:"dcgmExporter"`
	GFD                ComponentSpec  `json:"gfd"`
	NodeStatusExporter ComponentSpec  `json:"nodeStatusExporter"`
}

// OperatorSpec is spec.operator.
type OperatorSpec struct {
	// DefaultRuntime is the container runtime; required by the CRDs up to v25.10, deprecated
	// (detected at run time) from v26.3. OpenShift runs CRI-O.
	DefaultRuntime string `json:"defaultRuntime,omitempty"`
	// UseOpenShiftDriverToolkit builds the driver with the cluster's Driver Toolkit image, the
	// same kernel headers KMM builds graid against.
	UseOpenShiftDriverToolkit *bool `json:"use_ocp_driver_toolkit,omitempty"`
}

// DaemonsetsSpec is spec.daemonsets: settings shared by every operand DaemonSet.
type DaemonsetsSpec struct {
	PriorityClassName string             `json:"priorityClassName,omitempty"`
	UpdateStrategy    string             `json:"updateStrategy,omitempty"`
	RollingUpdate     *RollingUpdateSpec `json:"rollingUpdate,omitempty"`
}

// RollingUpdateSpec is spec.daemonsets.rollingUpdate.
type RollingUpdateSpec struct {
	MaxUnavailable string `json:"maxUnavailable,omitempty"`
}

// DriverSpec is spec.driver.
type DriverSpec struct {
	Enabled            *bool  `json:"enabled,omitempty"`
	UseNvidiaDriverCRD *bool  `json:"useNvidiaDriverCRD,omitempty"`
	UsePrecompiled     *bool  `json:"usePrecompiled,omitempty"`
	Repository         string `json:"repository,omitempty"`
	Image              string `json:"image,omitempty"`
	Version            string `json:"version,omitempty"`
	KernelModuleType   string `json:"kernelModuleType,omitempty"`
	// UseOpenKernelModules is the GPU Operator 24.9 form of KernelModuleType (ignored by 25.3+).
	UseOpenKernelModules *bool              `json:"useOpenKernelModules,omitempty"`
	UpgradePolicy        *UpgradePolicySpec `json:"upgradePolicy,omitempty"`
}

// UpgradePolicySpec is spec.driver.upgradePolicy.
type UpgradePolicySpec struct {
	AutoUpgrade *bool `json:"autoUpgrade,omitempty"`
}

// ComponentSpec is the enabled switch every operand section has.
type ComponentSpec struct {
	Enabled *bool `json:"enabled,omitempty"`
}
