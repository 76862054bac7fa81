package kmm

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The KMM operator publishes no Go module reachable here, so these are our own types for the
// part of kmm.sigs.x-k8s.io/v1beta1 Module that this function sets. JSON names follow the
// upstream CRD (kernel-module-management v2.6.0, config/crd/bases/kmm.sigs.x-k8s.io_modules.yaml);
// types_test.go proves every field against that schema. Optional fields are omitempty so that
// nothing unset reaches the output.

// API identity of the Module.
const (
	APIVersion = "kmm.sigs.x-k8s.io/v1beta1"
	Kind       = "Module"
)

// Module describes an out-of-tree kernel module: how to build it and on which nodes to load it.
type Module struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec ModuleSpec `json:"spec"`
}

// ModuleSpec is the desired state of a Module.
type ModuleSpec struct {
	// ModuleLoader says how to build and load the module.
	ModuleLoader *ModuleLoaderSpec `json:"moduleLoader,omitempty"`
	// ImageRepoSecret pulls the kmod image and pushes it from the build.
	ImageRepoSecret *corev1.LocalObjectReference `json:"imageRepoSecret,omitempty"`
	// ImageRebuildTriggerGeneration, when changed, makes KMM check and rebuild every image.
	ImageRebuildTriggerGeneration *int64 `json:"imageRebuildTriggerGeneration,omitempty"`
	// Selector picks the nodes the module is loaded on (and built for).
	Selector map[string]string `json:"selector"`
	// Tolerations of the worker pods; KMM also skips nodes whose taints they do not tolerate.
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`
}

// ModuleLoaderSpec configures the worker pods that load and unload the module.
type ModuleLoaderSpec struct {
	Container          ModuleLoaderContainerSpec `json:"container"`
	ServiceAccountName string                    `json:"serviceAccountName,omitempty"`
}

// ModuleLoaderContainerSpec holds modprobe settings and the per-kernel images.
type ModuleLoaderContainerSpec struct {
	Modprobe        ModprobeSpec      `json:"modprobe"`
	KernelMappings  []KernelMapping   `json:"kernelMappings"`
	ImagePullPolicy corev1.PullPolicy `json:"imagePullPolicy,omitempty"`
	// Version enables KMM's ordered upgrade (per-node version labels).
	Version string `json:"version,omitempty"`
}

// ModprobeSpec says which module modprobe loads and from where.
type ModprobeSpec struct {
	ModuleName string `json:"moduleName,omitempty"`
	// DirName is modprobe's -d root inside the image.
	DirName    string   `json:"dirName,omitempty"`
	Parameters []string `json:"parameters,omitempty"`
	// ModulesLoadingOrder lists moduleName first, then what it needs loaded before it; KMM
	// turns it into softdep lines, loads it last to first and unloads it first to last.
	ModulesLoadingOrder []string `json:"modulesLoadingOrder,omitempty"`
	// FirmwarePath is a directory in the image whose contents KMM copies to the node's
	// firmware directory before modprobe and removes before modprobe -r.
	FirmwarePath string `json:"firmwarePath,omitempty"`
}

// KernelMapping maps node kernels (literal or regexp) to a kmod image and how to make it.
type KernelMapping struct {
	Literal        string `json:"literal,omitempty"`
	Regexp         string `json:"regexp,omitempty"`
	ContainerImage string `json:"containerImage"`
	Build          *Build `json:"build,omitempty"`
	Sign           *Sign  `json:"sign,omitempty"`
}

// Build is an in-cluster build of the kmod image.
type Build struct {
	BuildArgs           []BuildArg                    `json:"buildArgs,omitempty"`
	Secrets             []corev1.LocalObjectReference `json:"secrets,omitempty"`
	DockerfileConfigMap *corev1.LocalObjectReference  `json:"dockerfileConfigMap"`
	// Selector picks the nodes the build runs on; default the Module's selector.
	Selector map[string]string `json:"selector,omitempty"`
}

// BuildArg is one Dockerfile ARG value.
type BuildArg struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Sign signs the built modules for Secure Boot.
type Sign struct {
	KeySecret   *corev1.LocalObjectReference `json:"keySecret"`
	CertSecret  *corev1.LocalObjectReference `json:"certSecret"`
	FilesToSign []string                     `json:"filesToSign,omitempty"`
}
