// Package node generates what runs SupremeRAID on each node: the layout ConfigMap the node agent
// applies, the in-cluster build of the node image (graid userspace, the agent, filesystem
// tools) and the privileged DaemonSet that waits for the kernel modules, runs graid_server and
// the agent, and mounts the virtual drives with Bidirectional propagation.
package node

import (
	"fmt"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Component is the app.kubernetes.io/component label value of this family.
const Component = "node"

// Paths and ports inside the node pods. The layout's license.keyFile and the agent's flags use
// them, so they are fixed here once.
const (
	// LayoutKey is the ConfigMap key and file name of the layout JSON.
	LayoutKey = "layout.json"
	// LayoutPath is where the agent reads the layout.
	LayoutPath = "/etc/supremeraid/" + LayoutKey
	// LicenseDir holds the license Secret's key `license` as a file; nothing else reads it.
	LicenseDir = "/etc/supremeraid/license"
	// LicenseKey is the key of the license Secret.
	LicenseKey = "license"
	// LicenseFile is the layout's license.keyFile.
	LicenseFile = LicenseDir + "/" + LicenseKey
	// HostRoot is where the host's / is mounted, with Bidirectional propagation.
	HostRoot = "/host"
	// AgentPort serves /readyz and /healthz.
	AgentPort = 8095
	// GraidctlPath, GraidServerPath, AgentPath: links and files the node image build creates.
	GraidctlPath    = "/usr/local/bin/graidctl"
	GraidServerPath = "/usr/local/bin/graid_server"
	GraidPrePath    = "/usr/local/bin/graid_server_pre.sh"
	AgentPath       = "/usr/local/bin/supremeraid-fn"
	// LayoutHashAnnotation on the pod template carries the sha256 of the layout ConfigMap's data,
	// so a layout change rolls the DaemonSet.
	LayoutHashAnnotation = "supremeraid.dev/layout-sha256"
)

// Object names, all prefixed with metadata.name.
func LayoutConfigMapName(cfg *config.SupremeRAID) string { return meta.Name(cfg, "node-layout") }
func BuildConfigMapName(cfg *config.SupremeRAID) string  { return meta.Name(cfg, "node-build") }
func DaemonSetName(cfg *config.SupremeRAID) string       { return meta.Name(cfg, "node") }

// Generate returns, in order: the layout ConfigMap, the build ConfigMap, the ImageStream (when
// the node image goes to the internal registry), the BuildConfig and the DaemonSet.
func Generate(cfg *config.SupremeRAID) ([]any, error) {
	layoutCM, err := LayoutConfigMap(cfg)
	if err != nil {
		return nil, err
	}
	img, err := NodeImage(cfg)
	if err != nil {
		return nil, fmt.Errorf("node image build: %w", err)
	}
	objs := []any{layoutCM, img.ConfigMap}
	if img.ImageStream != nil {
		objs = append(objs, img.ImageStream)
	}
	objs = append(objs, img.BuildConfig)
	ds, err := DaemonSet(cfg, layoutCM, img.Ref)
	if err != nil {
		return nil, err
	}
	return append(objs, ds), nil
}

// Notes tells the user what has to exist before the DaemonSet can run, since it lives outside
// the generated objects.
func Notes(cfg *config.SupremeRAID) []string {
	notes := []string{
		fmt.Sprintf("node: create Secret %s/%s with key %q holding the SupremeRAID license before the node DaemonSet starts; the agent reads it from a mounted file", cfg.Spec.Namespace, cfg.Spec.Driver.LicenseSecret, LicenseKey),
	}
	if rc := cfg.Spec.Node.RuntimeClassName; rc != nil && *rc != "" {
		notes = append(notes, fmt.Sprintf("node: the DaemonSet uses RuntimeClass %q so graid_core gets libcuda of the node's driver; with the GPU Operator's CDI disabled on CRI-O there is no such runtime handler: set spec.node.runtimeClassName to \"\" there", *rc))
	}
	return notes
}
