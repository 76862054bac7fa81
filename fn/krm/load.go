// Package krm is the KRM function: it finds the SupremeRAID config in a ResourceList, validates
// it, runs the generators and returns their objects or the problems as results.
package krm

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"supremeraid.dev/supremeraid-fn/generators"
	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/node"
)

// MaxProblems is how many problems one run reports; the rest are counted in a last line
// ("and N more"). Enough to fix a config in one go, few enough to read, and it bounds what
// kustomize prints and the results kpt stores whatever the input.
const MaxProblems = 50

// Load decodes, defaults and validates one config document. A nil config means errs holds
// every problem found: what the decoder refused (unknown fields, wrong types, ambiguous YAML)
// and what the validator finds in the rest, each with values it quotes shortened and escaped
// (see boundProblems), at most MaxProblems of them and a count of the others.
func Load(data []byte) (*config.SupremeRAID, field.ErrorList) {
	cfg, errs := config.Decode(data)
	if cfg == nil {
		return nil, capProblems(boundProblems(errs))
	}
	metaErrs := checkMetadata(cfg) // before Default, which names a nameless config graid
	cfg.Default()
	// Validate what was understood: a field the decoder refused is unset now, and whatever the
	// validator says about it (or below it) would only repeat the decoder's problem.
	semantic := append(metaErrs, generators.Validate(cfg)...)
	if len(semantic) == 0 {
		// What the node agent would refuse (mount options such as bind) is a config problem
		// too. It re-checks much of what Validate checks, so it runs only when Validate is
		// content, or every problem would be reported twice.
		semantic = node.Validate(cfg)
	}
	errs = append(errs, without(semantic, errs)...)
	if len(errs) > 0 {
		return nil, capProblems(boundProblems(errs))
	}
	return cfg, nil
}

// checkMetadata: metadata.name names every generated object and marks them as ours (see
// docs/ownership.md), so it is required on every path, as kustomize and kpt require it; the
// config is not namespaced (spec.namespace says where objects go), so metadata.namespace is
// refused rather than silently ignored.
func checkMetadata(cfg *config.SupremeRAID) field.ErrorList {
	var errs field.ErrorList
	md := field.NewPath("metadata")
	if cfg.Name == "" {
		errs = append(errs, field.Required(md.Child("name"), "the config's name, e.g. graid: it prefixes every generated name"))
	}
	if cfg.Namespace != "" {
		errs = append(errs, field.Forbidden(md.Child("namespace"), "the config is not namespaced: remove metadata.namespace and set spec.namespace, where the generated objects go"))
	}
	return errs
}

// without returns the problems of errs that are not at, or below, the field of a problem in
// earlier.
func without(errs, earlier field.ErrorList) field.ErrorList {
	if len(earlier) == 0 {
		return errs
	}
	var out field.ErrorList
	for _, e := range errs {
		if !covered(e, earlier) {
			out = append(out, e)
		}
	}
	return out
}

// covered: a problem at, or below, a field the decoder refused repeats it; so does a
// "required" problem above one (installer: one of url or image, when the url was refused).
func covered(e *field.Error, earlier field.ErrorList) bool {
	for _, d := range earlier {
		if d.Field == "<document>" || d.Field == "" {
			continue
		}
		if within(e.Field, d.Field) || e.Type == field.ErrorTypeRequired && within(d.Field, e.Field) {
			return true
		}
	}
	return false
}

// within reports whether path is outer or lies below it.
func within(path, outer string) bool {
	return path == outer || strings.HasPrefix(path, outer+".") || strings.HasPrefix(path, outer+"[")
}

// capProblems keeps the first MaxProblems problems and replaces the rest with one that counts
// them.
func capProblems(errs field.ErrorList) field.ErrorList {
	if len(errs) <= MaxProblems {
		return errs
	}
	more := len(errs) - MaxProblems
	out := append(field.ErrorList{}, errs[:MaxProblems]...)
	return append(out, &field.Error{
		Type:     field.ErrorTypeTooMany,
		Field:    "",
		BadValue: more,
		Detail:   fmt.Sprintf("and %d more problem(s) not shown: fix the ones above and run again", more),
	})
}

// isMore reports whether e is the "and N more" line capProblems adds.
func isMore(e *field.Error) bool { return e.Field == "" && e.Type == field.ErrorTypeTooMany }

// ProblemText is one problem as printed: "PATH: message", or the bare message of the line that
// counts the problems not shown.
func ProblemText(e *field.Error) string {
	if isMore(e) {
		return e.Detail
	}
	return e.Error()
}

// CountProblems is how many problems a (capped) list stands for.
func CountProblems(errs field.ErrorList) int {
	n := len(errs)
	for _, e := range errs {
		if more, ok := e.BadValue.(int); ok && isMore(e) {
			n += more - 1
		}
	}
	return n
}

// Render loads a config and generates its objects as YAML documents, in emission order.
func Render(data []byte) ([][]byte, []string, field.ErrorList, error) {
	r, problems, err := render(data, false)
	if r == nil {
		return nil, nil, problems, err
	}
	return r.docs, r.notes, nil, nil
}

// rendered is a config's output: each object's YAML document, its identity (objectKey's form)
// and whether the document is final, that is written by generators.FastYAML or
// generators.SDKDocument, whose documents are exactly what the SDK writes for them
// (TestDirectDocumentsAreFinal), so function mode can
// copy them to its output without parsing them into the SDK's object model and writing them
// again.
type rendered struct {
	docs  [][]byte
	keys  []string
	final []bool
	local []bool // annotated config.kubernetes.io/local-config: "true"
	notes []string
}

// localConfigAnnotation marks an object for the orchestrator only: kustomize and kpt drop it
// from what they print or apply.
const localConfigAnnotation = "config.kubernetes.io/local-config"

// RenderApplied is Render without the local-config objects: what kustomize build prints for a
// kustomization that lists the config under generators.
func RenderApplied(data []byte) ([][]byte, []string, field.ErrorList, error) {
	r, problems, err := render(data, false)
	if r == nil {
		return nil, nil, problems, err
	}
	var docs [][]byte
	for i, d := range r.docs {
		if !r.local[i] {
			docs = append(docs, d)
		}
	}
	return docs, r.notes, nil, nil
}

// For function mode (sdk), an object FastYAML cannot write is written in the SDK's form by
// generators.SDKDocument where it can, and is final too; its document then differs from what
// render prints only in layout (quoting and folding), not in content.
func render(data []byte, sdk bool) (*rendered, field.ErrorList, error) {
	cfg, errs := Load(data)
	if len(errs) > 0 {
		return nil, errs, nil
	}
	out, err := generators.Generate(cfg)
	if err != nil {
		return nil, nil, err
	}
	if errs := checkSizes(out.Objects); len(errs) > 0 {
		return nil, boundProblems(errs), nil
	}
	r := &rendered{
		docs:  make([][]byte, 0, len(out.Objects)),
		keys:  make([]string, 0, len(out.Objects)),
		final: make([]bool, 0, len(out.Objects)),
		local: make([]bool, 0, len(out.Objects)),
		notes: out.Notes,
	}
	for _, m := range out.Objects {
		y, final := generators.FastYAML(m)
		if !final && sdk {
			y, final = generators.SDKDocument(m)
		}
		if !final {
			if y, err = generators.ToYAML(m); err != nil {
				return nil, nil, err
			}
		}
		r.docs = append(r.docs, y)
		r.keys = append(r.keys, mapKey(m))
		r.final = append(r.final, final)
		md, _ := m["metadata"].(map[string]any)
		ann, _ := md["annotations"].(map[string]any)
		r.local = append(r.local, ann[localConfigAnnotation] == "true")
	}
	return r, nil, nil
}

// mapKey is objectKey of a generated object, from its map: Kind[.group]/namespace/name.
func mapKey(m map[string]any) string {
	kind, _ := m["kind"].(string)
	apiVersion, _ := m["apiVersion"].(string)
	md, _ := m["metadata"].(map[string]any)
	ns, _ := md["namespace"].(string)
	name, _ := md["name"].(string)
	gk := kind
	if i := strings.LastIndex(apiVersion, "/"); i >= 0 {
		gk += "." + apiVersion[:i]
	}
	return gk + "/" + ns + "/" + name
}

// MaxConfigMapBytes is the API server's limit on a ConfigMap's data (1 MiB, "The data stored in
// a ConfigMap cannot exceed 1 MiB", kubernetes.io/docs/concepts/configuration/configmap).
const MaxConfigMapBytes = 1 << 20

// componentField names the config field that grows each family's ConfigMaps.
var componentField = map[string]string{"node": "spec.raid.driveGroups", "opa": "spec.workloads.namespaces", "tenants": "spec.workloads.namespaces"}

// checkSizes refuses generated ConfigMaps the API server would refuse: a config within every
// product limit (8 groups of 1,023 virtual drives with long mount paths) can still make a node
// layout over 1 MiB.
func checkSizes(objects []map[string]any) field.ErrorList {
	var errs field.ErrorList
	for _, o := range objects {
		if o["kind"] != "ConfigMap" || o["apiVersion"] != "v1" {
			continue
		}
		size := 0
		for _, key := range []string{"data", "binaryData"} {
			d, _ := o[key].(map[string]any)
			for k, v := range d {
				s, _ := v.(string)
				size += len(k) + len(s)
			}
		}
		if size <= MaxConfigMapBytes {
			continue
		}
		md, _ := o["metadata"].(map[string]any)
		labels, _ := md["labels"].(map[string]any)
		comp, _ := labels["app.kubernetes.io/component"].(string)
		path := componentField[comp]
		if path == "" {
			path = "spec"
		}
		errs = append(errs, field.Invalid(field.NewPath(path), field.OmitValueType{},
			fmt.Sprintf("makes ConfigMap %v/%v hold %d bytes; the API server stores at most %d (1 MiB) per ConfigMap: use fewer virtual drives or shorter mount paths", md["namespace"], md["name"], size, MaxConfigMapBytes)))
	}
	return errs
}
