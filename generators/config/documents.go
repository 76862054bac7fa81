package config

import (
	"bytes"
	"errors"
	"io"

	yamlv2 "go.yaml.in/yaml/v2"
)

// countDocuments returns how many non-empty YAML documents data holds. sigs.k8s.io/yaml reads
// only the first document of a stream, so without this check a second config (or garbage) after
// a `---` would be dropped without a word. A stream without `---` or `...` is one document, so
// the common case costs a substring search, not a second parse; otherwise the same parser
// (go.yaml.in/yaml/v2) counts, so the answer agrees with the decoder's on every input.
func countDocuments(data []byte) (int, error) {
	if !bytes.Contains(data, []byte("---")) && !bytes.Contains(data, []byte("...")) {
		return 1, nil
	}
	dec := yamlv2.NewDecoder(bytes.NewReader(data))
	n := 0
	for {
		var v any
		err := dec.Decode(&v)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if v != nil { // `---` at the end, or twice in a row, is an empty document, not a second one
			n++
		}
	}
}
