// Package kmm generates what the Kernel Module Management operator needs to build and load
// SupremeRAID's kernel modules graid and graid_nvidia on Red Hat CoreOS: the Dockerfile ConfigMap
// of the in-cluster build (the exact text of package kmod) and the Module.
package kmm

import (
	"maps"
	"slices"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// Component is the app.kubernetes.io/component label value of this family.
const Component = "kmm"

// Generate returns the Dockerfile ConfigMap and the Module, in that order: KMM reads the
// ConfigMap when it builds for a kernel, so it must exist first.
func Generate(cfg *config.SupremeRAID) ([]any, error) {
	cm, err := dockerfileConfigMap(cfg)
	if err != nil {
		return nil, err
	}
	mod, err := module(cfg)
	if err != nil {
		return nil, err
	}
	return []any{cm, mod}, nil
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
