package nfd

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Node Feature Discovery has no Go module reachable here, so these are the NodeFeatureRule fields
// we set, with the upstream JSON names (sigs.k8s.io/node-feature-discovery api/nfd/v1alpha1).
// The schema test proves them against the upstream CRD (v0.19.0).

// API identity of the NodeFeatureRule.
const (
	APIVersion = "nfd.k8s-sigs.io/v1alpha1"
	Kind       = "NodeFeatureRule"
)

// NodeFeatureRule is cluster-scoped: nfd-master evaluates it against every node's features.
type NodeFeatureRule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec NodeFeatureRuleSpec `json:"spec"`
}

// NodeFeatureRuleSpec is a list of rules.
type NodeFeatureRuleSpec struct {
	Rules []Rule `json:"rules"`
}

// Rule labels a node when all of its MatchFeatures terms match.
type Rule struct {
	Name          string               `json:"name"`
	Labels        map[string]string    `json:"labels,omitempty"`
	MatchFeatures []FeatureMatcherTerm `json:"matchFeatures,omitempty"`
}

// FeatureMatcherTerm matches one feature set. For an instance feature such as pci.device, the
// term matches when one instance (one PCI device) satisfies every expression.
type FeatureMatcherTerm struct {
	Feature          string                     `json:"feature"`
	MatchExpressions map[string]MatchExpression `json:"matchExpressions,omitempty"`
}

// MatchExpression applies Op to one attribute of an instance.
type MatchExpression struct {
	Op    string   `json:"op"`
	Value []string `json:"value,omitempty"`
}
