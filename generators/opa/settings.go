package opa

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/util/validation"
)

// SettingsFileName is the ConfigMap key of the rendered settings module. Policy files are named
// with a numeric prefix in dependency order (policy/NN-*.rego, settings first): kube-mgmt loads
// a ConfigMap's keys one at a time in sorted order and OPA compiles each against what is already
// loaded, so a module that uses a rule from a later key fails until a retry.
const SettingsFileName = "00-settings.rego"

// DefaultVolumeName is the pod volume the policy adds and reserves.
const DefaultVolumeName = "supremeraid"

// Settings are the deployment-specific values the policy reads from
// data.supremeraid.settings. They are rendered as a Rego module rather
// than a kube-mgmt data ConfigMap because data ConfigMaps land under
// data.<namespace>.<configmap>.<key>, a path that would tie the policy to
// the OPA namespace, and because one ConfigMap keeps policy and settings
// loaded together.
type Settings struct {
	// PodLabel is the label key a pod sets to "true" to opt in.
	PodLabel string `json:"podLabel"`
	// ContainerPath is where the volume is mounted in every container.
	ContainerPath string `json:"containerPath"`
	// HostBasePath is the node directory holding one sub-directory per
	// tenant namespace (the workload virtual drive's mount path).
	HostBasePath string `json:"hostBasePath"`
	// VolumeName is the name of the pod volume the policy adds.
	VolumeName string `json:"volumeName"`
	// Namespaces are the tenant namespaces; an opted-in pod elsewhere is
	// denied even if its namespace carries the webhook label.
	Namespaces []string `json:"namespaces"`
	// NodeSelector are the node labels an opted-in pod must require: those
	// of the nodes where the volume is mounted. The policy adds missing
	// entries to the pod's nodeSelector and denies a pod that asks for
	// another value of one of these keys. Empty: pods are not steered.
	NodeSelector map[string]string `json:"nodeSelector"`
	// MinID is the lowest user or group id the policy hands out: an id
	// annotation below it is refused (config.MinTenantID). 0 renders as
	// 1: root is never handed the volume.
	MinID int64 `json:"minId"`
}

// Validate reports every problem at once, each naming its field.
func (s Settings) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("settings.%s: %s", field, fmt.Sprintf(format, args...)))
	}
	for _, msg := range validation.IsQualifiedName(s.PodLabel) {
		bad("podLabel", "%q is not a valid label key: %s", s.PodLabel, msg)
	}
	checkPath := func(field, p string) {
		switch {
		case !path.IsAbs(p):
			bad(field, "%q must be an absolute path", p)
		case p == "/":
			bad(field, "must not be the root directory")
		case path.Clean(p) != p:
			bad(field, "%q must be a clean path (no trailing slash, no . or .. elements, no //); use %q", p, path.Clean(p))
		case strings.IndexFunc(p, unicode.IsControl) >= 0:
			bad(field, "%q must not contain control characters", p)
		}
	}
	checkPath("containerPath", s.ContainerPath)
	checkPath("hostBasePath", s.HostBasePath)
	for _, msg := range validation.IsDNS1123Label(s.VolumeName) {
		bad("volumeName", "%q is not a valid volume name: %s", s.VolumeName, msg)
	}
	seen := map[string]bool{}
	for i, ns := range s.Namespaces {
		for _, msg := range validation.IsDNS1123Label(ns) {
			bad(fmt.Sprintf("namespaces[%d]", i), "%q is not a valid namespace name: %s", ns, msg)
		}
		if seen[ns] {
			bad(fmt.Sprintf("namespaces[%d]", i), "%q is listed more than once", ns)
		}
		seen[ns] = true
	}
	for _, key := range slices.Sorted(maps.Keys(s.NodeSelector)) {
		for _, msg := range validation.IsQualifiedName(key) {
			bad(fmt.Sprintf("nodeSelector[%s]", key), "%q is not a valid label key: %s", key, msg)
		}
		for _, msg := range validation.IsValidLabelValue(s.NodeSelector[key]) {
			bad(fmt.Sprintf("nodeSelector[%s]", key), "%q is not a valid label value: %s", s.NodeSelector[key], msg)
		}
	}
	if s.MinID < 0 {
		bad("minId", "%d must not be negative", s.MinID)
	}
	return errors.Join(errs...)
}

// RenderSettings renders s as the Rego module `package supremeraid` with
// one rule, settings, whose value is a JSON object (JSON is valid Rego).
// Namespaces are sorted so the output is byte-identical for equal input;
// encoding/json writes the nodeSelector's keys sorted.
func RenderSettings(s Settings) (File, error) {
	if err := s.Validate(); err != nil {
		return File{}, fmt.Errorf("rendering OPA policy settings: %w", err)
	}
	s.Namespaces = slices.Sorted(slices.Values(s.Namespaces))
	if s.Namespaces == nil {
		s.Namespaces = []string{} // render [] rather than null: the tenant check reads a list
	}
	if s.NodeSelector == nil {
		s.NodeSelector = map[string]string{} // {} rather than null: the policy iterates it
	}
	s.MinID = max(s.MinID, 1)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "\t")
	if err := enc.Encode(s); err != nil {
		return File{}, fmt.Errorf("rendering OPA policy settings: %w", err)
	}
	var out strings.Builder
	out.WriteString("# Generated by supremeraid-fn from the SupremeRAID config. Do not edit.\n")
	out.WriteString("package supremeraid\n\n")
	out.WriteString("settings := ")
	out.Write(buf.Bytes())
	return File{Name: SettingsFileName, Content: out.String()}, nil
}
