// Package opa holds the Rego admission policy that gives opted-in pods in
// SupremeRAID tenant namespaces their volume and ids, and renders the
// settings document the policy reads. The policy is served by OPA with
// kube-mgmt (chart opa-kube-mgmt), which loads it from a ConfigMap in the
// OPA namespace labelled openpolicyagent.org/policy=rego.
package opa

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// The .rego files are kept as files (so `opa check`, editors and reviewers
// see plain Rego) and embedded here.
//
//go:embed policy/*.rego
var policyFS embed.FS

// PolicyLabel is the label kube-mgmt looks for on policy ConfigMaps.
const (
	PolicyLabelKey   = "openpolicyagent.org/policy"
	PolicyLabelValue = "rego"
)

// File is one Rego module; Name is its ConfigMap key (kube-mgmt loads each
// key as a separate module).
type File struct {
	Name    string
	Content string
}

// PolicyFiles returns the embedded policy modules, sorted by name.
func PolicyFiles() ([]File, error) {
	entries, err := fs.ReadDir(policyFS, "policy")
	if err != nil {
		return nil, fmt.Errorf("reading embedded policy: %w", err)
	}
	files := make([]File, 0, len(entries))
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".rego") {
			continue
		}
		b, err := policyFS.ReadFile(path.Join("policy", e.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading embedded policy %s: %w", e.Name(), err)
		}
		files = append(files, File{Name: e.Name(), Content: string(b)})
	}
	sortFiles(files)
	return files, nil
}

// Modules returns everything the policy ConfigMap holds: the policy files
// and the settings rendered from s, sorted by name.
func Modules(s Settings) ([]File, error) {
	files, err := PolicyFiles()
	if err != nil {
		return nil, err
	}
	settings, err := RenderSettings(s)
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if f.Name == settings.Name {
			return nil, fmt.Errorf("embedded policy file %s clashes with the generated settings file", f.Name)
		}
	}
	files = append(files, settings)
	sortFiles(files)
	return files, nil
}

func sortFiles(files []File) {
	sort.Slice(files, func(i, j int) bool { return files[i].Name < files[j].Name })
}
