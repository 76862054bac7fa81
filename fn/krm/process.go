package krm

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Path annotations kpt and kustomize put on objects read from files; results point at them.
const (
	pathAnnotation          = "config.kubernetes.io/path"
	internalPathAnnotation  = "internal.config.kubernetes.io/path"
	indexAnnotation         = "config.kubernetes.io/index"
	internalIndexAnnotation = "internal.config.kubernetes.io/index"
)

// Processor is the ResourceList processor for the SDK's fn.Run (the binary runs Run).
var Processor = fn.ResourceListProcessorFunc(Process)

// Process generates the objects of the SupremeRAID config in rl. Input items pass through
// untouched, except objects this config generated on an earlier run, which are replaced (so
// `kpt fn render` twice changes nothing). On any error no item is added.
func Process(rl *fn.ResourceList) (bool, error) {
	ok, _ := process(rl, false)
	return ok, nil
}

// process is Process; with direct, the generated objects are not added to rl.Items but
// returned in emission order, to be written after the items, and those whose documents are
// final (see rendered) stay documents, written as they are. Direct applies only when the orchestrator does not write files (kustomize, Argo CD): for kpt each
// generated object gets path annotations, so all of them go into rl.Items. On failure nothing
// is returned and no item is added.
func process(rl *fn.ResourceList, direct bool) (bool, []outItem) {
	// Results describe one run. Orchestrators collect each function's own and never pass them
	// on; results in the input (our output fed back in, as on a second `kpt fn render`) would
	// otherwise repeat, and an old error would sit in a successful run's output.
	rl.Results = nil
	if bad := checkItems(rl.Items); len(bad) > 0 {
		rl.Results = append(rl.Results, bad...)
		return false, nil
	}
	cfgObj, missing := findConfig(rl)
	if missing != nil {
		rl.Results = append(rl.Results, missing)
		return false, nil
	}
	r, problems, err := render([]byte(cfgObj.String()), true)
	if len(problems) > 0 {
		rl.Results = append(rl.Results, ProblemResults(problems, cfgObj)...)
		return false, nil
	}
	if err != nil {
		rl.Results = append(rl.Results, &fn.Result{Message: err.Error(), Severity: fn.Error, ResourceRef: ref(cfgObj)})
		return false, nil
	}
	name := cfgObj.GetName()
	cfgPath := firstAnnotation(cfgObj, internalPathAnnotation, pathAnnotation)
	files := writesFiles(rl.Items)
	direct = direct && !files
	var generated fn.KubeObjects
	var tail []outItem
	for i, d := range r.docs {
		if direct && r.final[i] {
			tail = append(tail, outItem{doc: d})
			continue
		}
		o, err := fn.ParseKubeObject(d)
		if err != nil {
			rl.Results = append(rl.Results, &fn.Result{Message: fmt.Sprintf("internal error: generated object does not parse: %v", err), Severity: fn.Error})
			return false, nil
		}
		generated = append(generated, o)
		if direct {
			tail = append(tail, outItem{obj: o})
		}
	}
	if files {
		if err := assignPaths(generated, cfgPath, name); err != nil {
			rl.Results = append(rl.Results, &fn.Result{Message: fmt.Sprintf("internal error: %v", err), Severity: fn.Error})
			return false, nil
		}
	}
	items, clashes := replaceable(rl.Items, r.keys, name, cfgPath, files)
	if len(clashes) > 0 {
		rl.Results = append(rl.Results, clashes...)
		return false, nil
	}
	if direct {
		rl.Items = items
	} else {
		rl.Items = append(items, generated...)
	}
	for _, n := range r.notes {
		rl.Results = append(rl.Results, &fn.Result{Message: n, Severity: fn.Info, ResourceRef: ref(cfgObj)})
	}
	return true, tail
}

// outItem is a generated object written after the input items: a final document, or an object.
type outItem struct {
	doc []byte
	obj *fn.KubeObject
}

// objectKey identifies an object the way the API server does: group, kind, namespace, name.
// Two items with one key cannot both be applied.
func objectKey(o *fn.KubeObject) string {
	return o.GroupKind().String() + "/" + o.GetNamespace() + "/" + o.GetName()
}

// replaceable returns the input items to keep: every item except output an earlier run
// generated that this run replaces. Output is recognised only by the marker the generator writes
// (meta.GeneratedByKey), never by labels a user can copy, and a SupremeRAID object is never
// dropped. An item is replaced when
//   - its marker names this config (the output of the previous run), or
//   - its marker names a config that is no longer among the items (renamed or deleted) and it
//     is the same object (group, kind, namespace, name) as one generated now, or, when kpt
//     writes files, it lies in the generated/ directory next to this config: what a renamed
//     config generated under its old name goes, so a rename leaves no duplicates and no
//     stale files.
//
// An item that is the same object as a generated one but is not replaced (the user's own
// object, output of an older release without the marker, or output of another config still
// present) is a clash: the function refuses rather than emit two objects with one identity or
// drop something it cannot prove it made.
func replaceable(items fn.KubeObjects, generated []string, name, cfgPath string, files bool) (fn.KubeObjects, fn.Results) {
	owner := meta.GeneratedBy(name)
	isConfig := fn.IsGVK(config.Group, "", config.Kind)
	configs := map[string]bool{owner: true}
	for _, o := range items {
		if isConfig(o) {
			configs[meta.GeneratedBy(o.GetName())] = true
		}
	}
	ours := map[string]bool{}
	for _, k := range generated {
		ours[k] = true
	}
	genDir := path.Join(path.Dir(cfgPath), GeneratedDir) + "/"
	var keep fn.KubeObjects
	var clashes fn.Results
	for i, o := range items {
		by := o.GetAnnotation(meta.GeneratedByKey)
		same := ours[objectKey(o)]
		orphan := by != "" && !configs[by]
		switch {
		case isConfig(o):
		case by == owner:
			continue
		case orphan && same:
			continue
		case orphan && files && strings.HasPrefix(path.Clean(firstAnnotation(o, internalPathAnnotation, pathAnnotation)), genDir):
			continue
		case same:
			clashes = append(clashes, clash(i, o, by))
		}
		keep = append(keep, o)
	}
	return keep, clashes
}

// clash is the error result for an input item that is the same object as a generated one.
func clash(i int, o *fn.KubeObject, by string) *fn.Result {
	what := fmt.Sprintf("%s %q", o.GetKind(), Shorten(o.GetName(), maxValueEcho))
	if ns := o.GetNamespace(); ns != "" {
		what += fmt.Sprintf(" in namespace %q", Shorten(ns, maxValueEcho))
	}
	var msg string
	if by != "" {
		msg = fmt.Sprintf("%s is generated by %s too (%s: %q); two configs cannot generate one object: give them different spec.namespace and metadata.name",
			what, config.Kind, meta.GeneratedByKey, Shorten(by, maxValueEcho))
	} else {
		msg = fmt.Sprintf("%s is among the input objects without the %s annotation, so it is not output of this function (or comes from a release before the annotation); this config generates it too: remove one of the two (for old output: delete the generated files and render again)",
			what, meta.GeneratedByKey)
	}
	r := &fn.Result{Severity: fn.Error, Field: &fn.Field{Path: fmt.Sprintf("items[%d]", i)}, Message: msg, ResourceRef: ref(o)}
	if p := firstAnnotation(o, internalPathAnnotation, pathAnnotation); p != "" {
		r.File = &fn.File{Path: Escape(Shorten(p, maxFieldEcho))}
	}
	return r
}

// findConfig returns the functionConfig, or, when none was given (kpt fn eval without a config),
// the one SupremeRAID object among the items.
func findConfig(rl *fn.ResourceList) (*fn.KubeObject, *fn.Result) {
	isConfig := fn.IsGVK(config.Group, config.Version, config.Kind)
	fc := rl.FunctionConfig
	if fc != nil && !fc.IsEmpty() && !fn.EmptyFunctionConfig(fc) {
		// Anything of our group, or a config that lost both apiVersion and kind, goes to the
		// validator, which names the apiVersion/kind fields along with every other problem.
		if fc.GroupKind().Group != config.Group && (fc.GetKind() != "" || fc.GetAPIVersion() != "") {
			path := "kind"
			if fc.GetKind() == config.Kind {
				path = "apiVersion"
			}
			return nil, &fn.Result{
				Message: fmt.Sprintf("functionConfig must be kind %s, apiVersion %s; got kind %q, apiVersion %q", config.Kind, config.APIVersion,
					Shorten(fc.GetKind(), maxValueEcho), Shorten(fc.GetAPIVersion(), maxValueEcho)),
				Severity: fn.Error, Field: &fn.Field{Path: path}, ResourceRef: ref(fc),
			}
		}
		return fc, nil
	}
	// No functionConfig: the problem is in the ResourceList, at functionConfig.
	candidates := rl.Items.Where(isConfig)
	var msg string
	switch len(candidates) {
	case 1:
		return candidates[0], nil
	case 0:
		msg = fmt.Sprintf("no %s config: pass one as functionConfig (kustomize generators:, kpt configPath) or as the only %s item", config.Kind, config.Kind)
	default:
		msg = fmt.Sprintf("%d %s objects among the input items and no functionConfig: pass the one to use as functionConfig", len(candidates), config.Kind)
	}
	return nil, &fn.Result{Message: msg, Severity: fn.Error, Field: &fn.Field{Path: "functionConfig"}}
}

// ProblemResults turns validation problems into error results pointing at the config's file.
func ProblemResults(problems field.ErrorList, cfgObj *fn.KubeObject) fn.Results {
	var file *fn.File
	if cfgObj != nil {
		if p := firstAnnotation(cfgObj, internalPathAnnotation, pathAnnotation); p != "" {
			file = &fn.File{Path: Escape(Shorten(p, maxFieldEcho))}
			if i, err := strconv.Atoi(firstAnnotation(cfgObj, internalIndexAnnotation, indexAnnotation)); err == nil {
				file.Index = i
			}
		}
	}
	results := make(fn.Results, 0, len(problems))
	for _, p := range problems {
		r := &fn.Result{
			Message:     p.ErrorBody(),
			Severity:    fn.Error,
			Field:       &fn.Field{Path: p.Field},
			File:        file,
			ResourceRef: ref(cfgObj),
		}
		if isMore(p) {
			r.Message, r.Field = p.Detail, nil
		}
		results = append(results, r)
	}
	return results
}

func firstAnnotation(o *fn.KubeObject, keys ...string) string {
	for _, k := range keys {
		if v := o.GetAnnotation(k); v != "" {
			return v
		}
	}
	return ""
}

func ref(o *fn.KubeObject) *fn.ResourceRef {
	if o == nil {
		return nil
	}
	return &fn.ResourceRef{APIVersion: o.GetAPIVersion(), Kind: o.GetKind(), Name: o.GetName()}
}
