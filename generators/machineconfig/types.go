package machineconfig

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// MachineConfig and MachineConfigPool carry only the fields we set, with the JSON names of
// github.com/openshift/api/machineconfiguration/v1. Its own types serialise every unset field
// (osImageURL: "", fips: false, kernelType: "", paused: false), noise a reader would take for
// settings; the schema test strict-decodes our output into those upstream types.

// API identity of the machine config objects.
const (
	APIVersion            = "machineconfiguration.openshift.io/v1"
	KindMachineConfig     = "MachineConfig"
	KindMachineConfigPool = "MachineConfigPool"
)

// MachineConfig is one pool's share of node configuration; the MCO merges all of a pool's
// MachineConfigs by name order and rolls the result out node by node, rebooting each.
type MachineConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec MachineConfigSpec `json:"spec"`
}

// MachineConfigSpec holds the Ignition config and the kernel arguments.
type MachineConfigSpec struct {
	// Config is the Ignition config, as JSON.
	Config json.RawMessage `json:"config,omitempty"`
	// KernelArguments are appended to the kernel command line.
	KernelArguments []string `json:"kernelArguments,omitempty"`
}

// MachineConfigPool groups nodes (nodeSelector) with the MachineConfigs they get
// (machineConfigSelector).
type MachineConfigPool struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec MachineConfigPoolSpec `json:"spec"`
}

// MachineConfigPoolSpec is the part of the pool spec we set.
type MachineConfigPoolSpec struct {
	MachineConfigSelector *metav1.LabelSelector `json:"machineConfigSelector,omitempty"`
	NodeSelector          *metav1.LabelSelector `json:"nodeSelector,omitempty"`
	MaxUnavailable        *intstr.IntOrString   `json:"maxUnavailable,omitempty"`
}
