package config

import (
	"bytes"
	"errors"
	"io"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
	yaml "go.yaml.in/yaml/v3"
)

// parseDocuments parses a YAML stream and returns its first non-empty document and how many
// non-empty documents it holds. Reading only the first document of a stream would drop a second
// config (or garbage) after a `---` without a word; a `---` at the end, or twice in a row, opens
// an empty document, which is not a second one. The parser is go-yaml v3, the one kyaml (and so
// kpt and kustomize) uses, so the answer agrees with theirs.
func parseDocuments(data []byte) (*yaml.Node, int, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first *yaml.Node
	n := 0
	for {
		doc := &yaml.Node{}
		err := dec.Decode(doc)
		if errors.Is(err, io.EOF) {
			return first, n, nil
		}
		if err != nil && strings.Contains(err.Error(), "incompatible YAML document") {
			return first, n, errors.New("the %YAML directive names a version go-yaml, and so kustomize and kpt, do not accept (only %YAML 1.1); remove the directive: the config is read with YAML 1.2 rules anyway")
		}
		if err != nil {
			return first, n, syntaxError(data, err)
		}
		if emptyDocument(doc) {
			continue
		}
		if first == nil {
			first = doc
		}
		n++
	}
}

func emptyDocument(doc *yaml.Node) bool {
	if doc.Kind == 0 || doc.Kind == yaml.DocumentNode && len(doc.Content) == 0 {
		return true
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		c := doc.Content[0]
		return c.Kind == yaml.ScalarNode && c.Value == "" && c.Style == 0 && c.Tag == nullTag
	}
	return false
}

// countDocuments returns how many non-empty YAML documents data holds.
func countDocuments(data []byte) (int, error) {
	_, n, err := parseDocuments(data)
	return n, err
}

// syntaxError returns the message of go-yaml v2 for a stream v3 cannot parse, when v2 fails too:
// v3 reports some syntax errors a line early (a tab on line 10 as "line 9"), v2 on the line
// itself. Both share one scanner design, so they refuse the same streams; only the error path
// pays for the second parse.
func syntaxError(data []byte, v3err error) error {
	dec := yamlv2.NewDecoder(bytes.NewReader(data))
	for {
		var v yamlv2.MapSlice
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return v3err
		}
		if err != nil {
			if _, isType := err.(*yamlv2.TypeError); isType {
				continue // a list document: not a syntax error
			}
			return err
		}
	}
}
