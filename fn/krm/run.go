package krm

import (
	"errors"
	"fmt"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// Run is the function mode of the binary: fn.Run(Processor, input) with two differences. Input
// the SDK cannot read as a ResourceList still yields a ResourceList, whose one error result says
// where the input is wrong and what is expected there (the SDK's own message, "unhandled node
// kind 8", names neither, and kpt shows results, not stderr). And the output is written by
// writeResourceList, generated documents as they were rendered: the same bytes, without parsing
// and re-encoding every generated object.
func Run(input []byte) ([]byte, error) {
	rl, err := fn.ParseResourceList(input)
	if err != nil {
		return unreadable(input, err)
	}
	ok, tail := process(rl, true)
	out, werr := writeResourceList(rl, tail)
	switch {
	case werr != nil:
		return out, werr
	case !ok:
		return out, errors.New("error: function failure") // fn.Run's words
	}
	return out, nil
}

// unreadable is the ResourceList answering input that is not one.
func unreadable(input []byte, sdkErr error) ([]byte, error) {
	r := diagnose(input, sdkErr)
	rl := &fn.ResourceList{FunctionConfig: fn.NewEmptyKubeObject(), Results: fn.Results{r}}
	out, err := rl.ToYAML()
	if err != nil {
		return nil, fmt.Errorf("reading the ResourceList: %w", sdkErr)
	}
	return out, fmt.Errorf("reading the ResourceList: %s", r.Message)
}

// diagnose finds the first reason input is not a ResourceList. It runs only after the SDK has
// rejected the input, so the happy path parses once.
func diagnose(input []byte, sdkErr error) *fn.Result {
	result := func(path, format string, args ...any) *fn.Result {
		r := &fn.Result{Severity: fn.Error, Message: Shorten(fmt.Sprintf(format, args...), MaxMessage)}
		if path != "" {
			r.Field = &fn.Field{Path: path}
		}
		return r
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(input, &doc); err != nil {
		return result("", "the input is not YAML (%v); a KRM function reads one ResourceList (apiVersion config.kubernetes.io/v1) on stdin", err)
	}
	if doc.Kind == 0 || doc.Kind == yaml.DocumentNode && len(doc.Content) == 0 {
		return result("", "the input is empty; a KRM function reads one ResourceList (apiVersion config.kubernetes.io/v1, kind ResourceList) on stdin")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return result("", "the input is %s; a KRM function reads one ResourceList (apiVersion config.kubernetes.io/v1, kind ResourceList) on stdin", describeNode(root))
	}
	kind := lookup(root, "kind")
	if kind == nil || kind.Kind != yaml.ScalarNode || kind.Value != "ResourceList" {
		return result("kind", "must be ResourceList (apiVersion config.kubernetes.io/v1), got %s", describeNode(kind))
	}
	if fc := lookup(root, "functionConfig"); fc != nil && fc.Kind != yaml.MappingNode && !isNull(fc) {
		return result("functionConfig", "must be a Kubernetes object (a mapping), got %s", describeNode(fc))
	}
	items := lookup(root, "items")
	if items != nil && items.Kind != yaml.SequenceNode && !isNull(items) {
		return result("items", "must be a list of Kubernetes objects, got %s", describeNode(items))
	}
	if items != nil {
		for i, it := range items.Content {
			if it.Kind != yaml.MappingNode {
				return result(fmt.Sprintf("items[%d]", i), "must be a Kubernetes object (a mapping with apiVersion and kind), got %s", describeNode(it))
			}
		}
	}
	return result("", "the input is not a ResourceList the function can read: %v", sdkErr)
}

func lookup(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// describeNode names what a node is and where, for messages: `a string ("abc") on line 4`.
func describeNode(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	var what string
	switch {
	case isNull(n):
		what = "null"
	case n.Kind == yaml.ScalarNode:
		what = fmt.Sprintf("a scalar (%q)", Shorten(n.Value, maxValueEcho))
	case n.Kind == yaml.SequenceNode:
		what = "a list"
	case n.Kind == yaml.MappingNode:
		what = "a mapping"
	case n.Kind == yaml.AliasNode:
		what = "an alias"
	default:
		what = "a YAML document"
	}
	if n.Line > 0 {
		what += fmt.Sprintf(" on line %d", n.Line)
	}
	return what
}
