package krm

import (
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"

	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// GeneratedDir is the directory, next to the config file, that kpt writes generated objects to:
// generated/<config name>/<component>.yaml, one file per output family.
const GeneratedDir = "generated"

// writesFiles reports whether the orchestrator writes items back to files. kpt (fn render,
// fn eval) sends every item it read with a path annotation and writes an item without one to
// a file it names itself; kustomize sends none and would copy any path annotation we set into
// its build output. So generated objects get paths only when some input item has one.
func writesFiles(items fn.KubeObjects) bool {
	for _, o := range items {
		if firstAnnotation(o, internalPathAnnotation, pathAnnotation) != "" {
			return true
		}
	}
	return false
}

// assignPaths files the generated objects of the config called name under the directory of
// the config file (cfgPath, relative to the package; empty means the package root): one file per
// component label, objects in emission order within each file. The legacy and the internal
// annotation are set to the same value, as kpt does, because kpt rejects the pair if they differ.
func assignPaths(generated fn.KubeObjects, cfgPath, name string) error {
	dir := path.Join(path.Dir(cfgPath), GeneratedDir, name)
	next := map[string]int{}
	for _, o := range generated {
		file := o.GetLabel(meta.LabelComponent)
		if file == "" {
			file = strings.ToLower(o.GetKind())
		}
		p := path.Join(dir, file+".yaml")
		i := strconv.Itoa(next[p])
		next[p]++
		// A slice, not a map: annotations are written in the order they are set.
		for _, kv := range [][2]string{
			{pathAnnotation, p}, {indexAnnotation, i},
			{internalPathAnnotation, p}, {internalIndexAnnotation, i},
		} {
			if err := o.SetAnnotation(kv[0], kv[1]); err != nil {
				return fmt.Errorf("setting %s on %s %s: %w", kv[0], o.GetKind(), o.GetName(), err)
			}
		}
	}
	return nil
}
