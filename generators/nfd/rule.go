// Package nfd generates the Node Feature Discovery rule that finds SupremeRAID nodes: a node with
// a SupremeRAID-capable NVIDIA GPU and at least one NVMe controller gets the SupremeRAID node
// label, and the labels that keep the GPU Operator from advertising or reloading that GPU.
package nfd

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Component is the app.kubernetes.io/component label value of this family.
const Component = "nfd"

// PCI identities the rule matches. nfd-worker reports every PCI device as a pci.device instance
// with lower-case hex attributes, the class cut to class+subclass (source/pci/utils.go).
const (
	// NVIDIAVendorID is NVIDIA Corporation's PCI vendor ID.
	NVIDIAVendorID = "10de"
	// NVMeClass is PCI class 01 (mass storage), subclass 08 (non-volatile memory controller).
	NVMeClass = "0108"
	// PCIDeviceFeature is the NFD feature holding one instance per PCI device.
	PCIDeviceFeature = "pci.device"
	// RuleName shows up in nfd-master's logs when the rule matches or not.
	RuleName = "supremeraid-gpu-and-nvme"
)

// Name of the NodeFeatureRule: <name>-supremeraid.
func Name(cfg *config.SupremeRAID) string { return meta.Name(cfg, "supremeraid") }

// Generate returns the NodeFeatureRule, or nothing when spec.nodeDiscovery.enabled is false
// (Notes then says which labels to set by hand).
func Generate(cfg *config.SupremeRAID) ([]any, error) {
	if !enabled(cfg.Spec.NodeDiscovery.Enabled) {
		return nil, nil
	}
	return []any{rule(cfg)}, nil
}

func rule(cfg *config.SupremeRAID) *NodeFeatureRule {
	ids := cfg.Spec.NodeDiscovery.GPUDeviceIDs
	if len(ids) == 0 { // only a config that skipped Default; "In" needs a value
		ids = config.DefaultGPUDeviceIDs
	}
	return &NodeFeatureRule{
		TypeMeta:   metav1.TypeMeta{APIVersion: APIVersion, Kind: Kind},
		ObjectMeta: meta.Object(cfg, Name(cfg), "", Component, meta.WaveOperands),
		Spec: NodeFeatureRuleSpec{Rules: []Rule{{
			Name: RuleName,
			// Full keys, so the label is exactly config.NodeLabel; nvidia.com/ is outside the
			// namespaces nfd-master denies by default (kubernetes.io and its sub-domains).
			Labels: meta.NodeLabels(),
			// Two terms on the same feature, ANDed: one device must be a listed NVIDIA GPU,
			// one (other) device must be an NVMe controller.
			MatchFeatures: []FeatureMatcherTerm{
				{Feature: PCIDeviceFeature, MatchExpressions: map[string]MatchExpression{
					"vendor": {Op: "In", Value: []string{NVIDIAVendorID}},
					"device": {Op: "In", Value: append([]string(nil), ids...)},
				}},
				{Feature: PCIDeviceFeature, MatchExpressions: map[string]MatchExpression{
					"class": {Op: "In", Value: []string{NVMeClass}},
				}},
			},
		}}},
	}
}

// enabled reads an optional switch whose default is on.
func enabled(b *bool) bool { return b == nil || *b }
