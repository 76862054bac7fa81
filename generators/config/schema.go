package config

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"
)

// The CRD is generated from the types in this package by controller-gen (`make generate`); the
// JSON Schema is derived from it by JSONSchemaFromCRD. Tests fail when either is stale.

//go:embed schema/supremeraid.dev_supremeraids.yaml
var crdYAML []byte

//go:embed schema/supremeraid.schema.json
var jsonSchema []byte

// CRD returns the CustomResourceDefinition YAML describing the config (for tools that read
// OpenAPI; the config itself is never applied to a cluster).
func CRD() []byte { return crdYAML }

// JSONSchema returns the JSON Schema (draft 2020-12) editors use to check and complete configs.
func JSONSchema() []byte { return jsonSchema }

// JSONSchemaFromCRD derives the editor schema from the CRD's openAPIV3Schema: apiVersion and
// kind become constants and every object rejects unknown properties, as the decoder does.
func JSONSchemaFromCRD(crd []byte) ([]byte, error) {
	var doc struct {
		Spec struct {
			Versions []struct {
				Name   string `json:"name"`
				Schema struct {
					OpenAPIV3Schema map[string]any `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(crd, &doc); err != nil {
		return nil, fmt.Errorf("reading CRD: %w", err)
	}
	if len(doc.Spec.Versions) != 1 || doc.Spec.Versions[0].Name != Version {
		return nil, fmt.Errorf("reading CRD: want exactly version %s", Version)
	}
	s := doc.Spec.Versions[0].Schema.OpenAPIV3Schema
	if s == nil {
		return nil, fmt.Errorf("reading CRD: no openAPIV3Schema")
	}
	closeObjects(s)
	props := s["properties"].(map[string]any)
	props["apiVersion"] = map[string]any{"const": APIVersion, "type": "string"}
	props["kind"] = map[string]any{"const": Kind, "type": "string"}
	// metadata carries kpt/kustomize annotations and anything ObjectMeta allows.
	props["metadata"] = map[string]any{"type": "object", "properties": map[string]any{
		"name":        map[string]any{"type": "string", "description": "Prefix of every generated name (DNS-1123 label). Default graid."},
		"annotations": map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
		"labels":      map[string]any{"type": "object", "additionalProperties": map[string]any{"type": "string"}},
	}}
	s["required"] = []any{"apiVersion", "kind", "spec"}
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = "https://supremeraid.dev/schemas/v1alpha1/supremeraid.schema.json"
	s["title"] = Kind + " (" + APIVersion + ")"
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// closeObjects sets additionalProperties: false on every object schema that lists properties
// and drops Kubernetes-only extension keywords.
func closeObjects(s map[string]any) {
	for k := range s {
		if len(k) > 13 && k[:13] == "x-kubernetes-" {
			delete(s, k)
		}
	}
	if props, ok := s["properties"].(map[string]any); ok {
		if _, set := s["additionalProperties"]; !set {
			s["additionalProperties"] = false
		}
		for _, p := range props {
			if ps, ok := p.(map[string]any); ok {
				closeObjects(ps)
			}
		}
	}
	for _, key := range []string{"items", "additionalProperties"} {
		if sub, ok := s[key].(map[string]any); ok {
			closeObjects(sub)
		}
	}
}
