// Package crdcheck validates generated objects against upstream CustomResourceDefinitions the
// way kube-apiserver does on create: OpenAPI schema validation, x-kubernetes-validations (CEL)
// rules, and structural pruning, where any field the server would silently drop is an error.
// It is used by tests only; the CRDs live in testdata/crds with their provenance.
package crdcheck

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"fmt"
	"io"
	"strings"
	"sync"

	apiextensions "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	structuralschema "k8s.io/apiextensions-apiserver/pkg/apiserver/schema"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel"
	"k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning"
	apiservervalidation "k8s.io/apiextensions-apiserver/pkg/apiserver/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	celconfig "k8s.io/apiserver/pkg/apis/cel"
	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/generators"
)

//go:embed testdata/crds/*.yaml
var crdFiles embed.FS

// version is one served version of one CRD, ready to validate against.
type version struct {
	scope      apiextensionsv1.ResourceScope
	validator  apiservervalidation.SchemaValidator
	structural *structuralschema.Structural
	cel        *cel.Validator
}

var (
	mu    sync.Mutex
	cache = map[string]*version{} // "file|group/version|kind"
)

// Check returns every problem kube-apiserver would find creating obj (a typed object, a map, or
// YAML bytes) as an instance of the CRD in testdata/crds/<crdFile>.
func Check(crdFile string, obj any) (field.ErrorList, error) {
	m, err := toMap(obj)
	if err != nil {
		return nil, err
	}
	apiVersion, _ := m["apiVersion"].(string)
	kind, _ := m["kind"].(string)
	v, err := load(crdFile, apiVersion, kind)
	if err != nil {
		return nil, err
	}
	var errs field.ErrorList
	errs = append(errs, checkMetadata(m, v.scope)...)
	errs = append(errs, apiservervalidation.ValidateCustomResource(nil, m, v.validator)...)
	if v.cel != nil {
		celErrs, _ := v.cel.Validate(context.Background(), nil, v.structural, m, nil, celconfig.RuntimeCELCostBudget)
		errs = append(errs, celErrs...)
	}
	pruned := runtime.DeepCopyJSON(m)
	for _, p := range pruning.PruneWithOptions(pruned, v.structural, true, structuralschema.UnknownFieldPathOptions{TrackUnknownFieldPaths: true}) {
		errs = append(errs, field.Forbidden(field.NewPath(p), "unknown field: the API server would drop it"))
	}
	return errs, nil
}

// Validate is Check for tests: it fails t with every problem found.
func Validate(t interface {
	Helper()
	Errorf(string, ...any)
	Fatalf(string, ...any)
}, crdFile string, obj any) {
	t.Helper()
	errs, err := Check(crdFile, obj)
	if err != nil {
		t.Fatalf("crdcheck: %v", err)
	}
	for _, e := range errs {
		t.Errorf("%s: %v", crdFile, e)
	}
}

func checkMetadata(m map[string]any, scope apiextensionsv1.ResourceScope) field.ErrorList {
	md, _ := m["metadata"].(map[string]any)
	p := field.NewPath("metadata")
	var errs field.ErrorList
	name, _ := md["name"].(string)
	if name == "" {
		errs = append(errs, field.Required(p.Child("name"), ""))
	}
	for _, msg := range validation.IsDNS1123Subdomain(name) {
		errs = append(errs, field.Invalid(p.Child("name"), name, msg))
	}
	ns, _ := md["namespace"].(string)
	switch {
	case scope == apiextensionsv1.ClusterScoped && ns != "":
		errs = append(errs, field.Forbidden(p.Child("namespace"), "the resource is cluster-scoped"))
	case scope == apiextensionsv1.NamespaceScoped && ns == "":
		errs = append(errs, field.Required(p.Child("namespace"), "the resource is namespaced"))
	}
	return errs
}

func load(file, apiVersion, kind string) (*version, error) {
	key := file + "|" + apiVersion + "|" + kind
	mu.Lock()
	defer mu.Unlock()
	if v, ok := cache[key]; ok {
		return v, nil
	}
	data, err := crdFiles.ReadFile("testdata/crds/" + file)
	if err != nil {
		return nil, err
	}
	group, ver, _ := strings.Cut(apiVersion, "/")
	dec := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for {
		doc, err := dec.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		var crd apiextensionsv1.CustomResourceDefinition
		if err := yaml.Unmarshal(doc, &crd); err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if crd.Spec.Group != group || crd.Spec.Names.Kind != kind {
			continue
		}
		for _, sv := range crd.Spec.Versions {
			if sv.Name != ver || sv.Schema == nil || sv.Schema.OpenAPIV3Schema == nil {
				continue
			}
			v, err := newVersion(crd.Spec.Scope, sv.Schema.OpenAPIV3Schema)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", file, apiVersion, err)
			}
			cache[key] = v
			return v, nil
		}
		return nil, fmt.Errorf("%s: CRD for %s has no served version %s", file, kind, ver)
	}
	return nil, fmt.Errorf("%s: no CRD for kind %s in group %s", file, kind, group)
}

func newVersion(scope apiextensionsv1.ResourceScope, s *apiextensionsv1.JSONSchemaProps) (*version, error) {
	internal := &apiextensions.JSONSchemaProps{}
	if err := apiextensionsv1.Convert_v1_JSONSchemaProps_To_apiextensions_JSONSchemaProps(s, internal, nil); err != nil {
		return nil, err
	}
	structural, err := structuralschema.NewStructural(internal)
	if err != nil {
		return nil, fmt.Errorf("not a structural schema: %w", err)
	}
	validator, _, err := apiservervalidation.NewSchemaValidator(internal)
	if err != nil {
		return nil, err
	}
	return &version{
		scope:      scope,
		validator:  validator,
		structural: structural,
		cel:        cel.NewValidator(structural, true, celconfig.PerCallLimit),
	}, nil
}

func toMap(obj any) (map[string]any, error) {
	switch o := obj.(type) {
	case map[string]any:
		return o, nil
	case []byte:
		var m map[string]any
		if err := yaml.Unmarshal(o, &m); err != nil {
			return nil, err
		}
		return m, nil
	case string:
		return toMap([]byte(o))
	}
	m, err := generators.ToMap(obj)
	if err != nil {
		return nil, err
	}
	// Round-trip through JSON numbers the way a request body arrives at the server.
	b, err := yaml.Marshal(m)
	if err != nil {
		return nil, err
	}
	return toMap(b)
}
