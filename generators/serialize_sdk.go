package generators

import (
	"bytes"
	"encoding/json"

	yamlv2 "go.yaml.in/yaml/v2"
	"sigs.k8s.io/kustomize/kyaml/yaml"
)

// SDKDocument writes a generated object (a pruned map, see ToMap) in the form the SDK writes it
// in function mode: what parsing ToYAML's document and encoding it
// again gives, built without either step. It builds the node tree that parse would build, each
// string scalar in the style sigs.k8s.io/yaml gave it (asked of the YAML library for the string
// alone when plainKind is not sure), and encodes it as the SDK does. False when m holds
// something it does not handle (floats, keys the library orders numerically);
// TestSDKDocumentMatchesParse keeps it equal to the parse and re-encode.
func SDKDocument(m map[string]any) ([]byte, bool) {
	n, ok := sdkNode(m)
	if !ok {
		return nil, false
	}
	var b bytes.Buffer
	if err := yaml.NewEncoder(&b).Encode(n); err != nil {
		return nil, false
	}
	return b.Bytes(), true
}

func sdkNode(v any) (*yaml.Node, bool) {
	switch v := v.(type) {
	case map[string]any:
		n := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		if len(v) == 0 {
			n.Style = yaml.FlowStyle
			return n, true
		}
		keys, ok := sortedKeys(v)
		if !ok {
			return nil, false
		}
		for _, k := range keys {
			kn, ok := stringNode(k)
			if !ok {
				return nil, false
			}
			vn, ok := sdkNode(v[k])
			if !ok {
				return nil, false
			}
			n.Content = append(n.Content, kn, vn)
		}
		return n, true
	case []any:
		n := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		if len(v) == 0 {
			n.Style = yaml.FlowStyle
			return n, true
		}
		for _, item := range v {
			c, ok := sdkNode(item)
			if !ok {
				return nil, false
			}
			n.Content = append(n.Content, c)
		}
		return n, true
	case string:
		return stringNode(v)
	case bool:
		s := "false"
		if v {
			s = "true"
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: s}, true
	case json.Number:
		if !isDecimal(string(v)) || len(v) > 15 {
			return nil, false
		}
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: string(v)}, true
	}
	return nil, false
}

// stringNode is a string scalar in the style the YAML library writes it in. A plain scalar
// gets no tag, as parse resolves it: the encoder then writes it plain again.
func stringNode(s string) (*yaml.Node, bool) {
	switch plainKind(s) {
	case plain:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: s}, true
	case quoted:
		return &yaml.Node{Kind: yaml.ScalarNode, Value: s, Tag: "!!str", Style: yaml.DoubleQuotedStyle}, true
	}
	out, err := yamlv2.Marshal(s)
	if err != nil || len(out) == 0 {
		return nil, false
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Value: s, Tag: "!!str"}
	switch out[0] {
	case '"':
		n.Style = yaml.DoubleQuotedStyle
	case '\'':
		n.Style = yaml.SingleQuotedStyle
	case '|':
		n.Style = yaml.LiteralStyle
	case '>':
		n.Style = yaml.FoldedStyle
	default:
		n.Tag = ""
	}
	return n, true
}
