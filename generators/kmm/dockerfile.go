package kmm

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
	"supremeraid.dev/supremeraid-fn/kmod"
)

// DockerfileKey is the ConfigMap key KMM reads the Dockerfile from.
const DockerfileKey = "dockerfile"

// DockerfileConfigMapName is <name>-kmod-dockerfile.
func DockerfileConfigMapName(cfg *config.SupremeRAID) string {
	return meta.Name(cfg, "kmod-dockerfile")
}

// dockerfileConfigMap holds the recipe for the config's installer source, byte for byte as
// package kmod renders (and tests) it.
func dockerfileConfigMap(cfg *config.SupremeRAID) (*corev1.ConfigMap, error) {
	text, err := kmod.Dockerfile(installerSource(cfg))
	if err != nil {
		return nil, fmt.Errorf("rendering the kmod Dockerfile: %w", err)
	}
	return &corev1.ConfigMap{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: meta.Object(cfg, DockerfileConfigMapName(cfg), cfg.Spec.Namespace, Component, meta.WaveFoundation),
		Data:       map[string]string{DockerfileKey: text},
	}, nil
}
