package generators

import (
	"bytes"
	"encoding/json"
	"fmt"

	"sigs.k8s.io/yaml"
)

// keepEmpty names keys whose empty mapping means something: `emptyDir: {}` is a volume source,
// `podSelector: {}` selects every pod. Every other empty mapping is typed-serialisation noise
// (`resources: {}`, `strategy: {}`) and is dropped.
var keepEmpty = map[string]bool{"emptyDir": true, "podSelector": true}

// ToMap serialises a typed object to a JSON-compatible map and removes what typed Go structs
// add but nobody wrote: nulls (`creationTimestamp: null`), `status`, and empty mappings.
func ToMap(obj any) (map[string]any, error) {
	b, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("serialising %T: %w", obj, err)
	}
	// UseNumber keeps integers exact; float64 would print large ones as 1e+06.
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("serialising %T: %w", obj, err)
	}
	if m == nil {
		return nil, fmt.Errorf("serialising %T: not an object", obj)
	}
	if m["apiVersion"] == nil || m["kind"] == nil {
		return nil, fmt.Errorf("serialising %T: apiVersion and kind must be set", obj)
	}
	delete(m, "status")
	prune(m)
	return m, nil
}

// prune removes nulls and empty mappings below m, bottom-up, so a mapping that only held noise
// goes too.
func prune(m map[string]any) {
	for k, v := range m {
		switch t := v.(type) {
		case nil:
			delete(m, k)
		case map[string]any:
			prune(t)
			if len(t) == 0 && !keepEmpty[k] {
				delete(m, k)
			}
		case []any:
			for _, item := range t {
				if im, ok := item.(map[string]any); ok {
					prune(im)
				}
			}
		}
	}
}

// ToYAML renders one pruned object as YAML with sorted keys, the form every output takes.
// Most objects are written directly from the map (writeFast); an object holding a value whose
// YAML form writeFast cannot be sure of (a string that needs quoting or folding, a float, keys
// that differ in digits) goes through JSON and the YAML library, which the fast form matches
// byte for byte (TestFastYAMLMatchesLibrary).
func ToYAML(m map[string]any) ([]byte, error) {
	if y, ok := FastYAML(m); ok {
		return y, nil
	}
	return libraryYAML(m)
}

// FastYAML is ToYAML's direct path alone: false when it leaves m to the library.
func FastYAML(m map[string]any) ([]byte, bool) {
	var b bytes.Buffer
	b.Grow(1024)
	if !writeFast(&b, m) {
		return nil, false
	}
	return b.Bytes(), true
}

// libraryYAML is the reference serialisation: JSON, then sigs.k8s.io/yaml.
func libraryYAML(m map[string]any) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	return yaml.JSONToYAML(b)
}
