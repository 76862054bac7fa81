package krm

import (
	"fmt"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
)

// checkItems rejects input items that are not Kubernetes objects (no apiVersion or no kind).
// kustomize and kpt refuse such files before any function runs, so one reaching us means an
// earlier function in the pipeline emitted garbage. Passing it on would only move the failure to
// `kubectl apply`, far from its cause; the result names the item's index (and file, if known).
func checkItems(items fn.KubeObjects) fn.Results {
	var results fn.Results
	for i, o := range items {
		var missing string
		switch {
		case o.GetAPIVersion() == "" && o.GetKind() == "":
			missing = "apiVersion and kind"
		case o.GetAPIVersion() == "":
			missing = "apiVersion"
		case o.GetKind() == "":
			missing = "kind"
		default:
			continue
		}
		r := &fn.Result{
			Severity: fn.Error,
			Field:    &fn.Field{Path: fmt.Sprintf("items[%d]", i)},
			Message: fmt.Sprintf("not a Kubernetes object: %s missing; every item of a ResourceList must be a Kubernetes object with apiVersion and kind (was it produced by an earlier function in the pipeline?)",
				missing),
		}
		if p := firstAnnotation(o, internalPathAnnotation, pathAnnotation); p != "" {
			r.File = &fn.File{Path: Escape(Shorten(p, maxFieldEcho))}
		}
		results = append(results, r)
	}
	return results
}
