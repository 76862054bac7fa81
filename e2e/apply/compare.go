package apply

import (
	"encoding/base64"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Difference is one field the manifest set that the server did not store
// as set.
type Difference struct {
	Path    string // JSONPath-like, e.g. spec.template.spec.containers[0].name
	Applied any
	Stored  any // nil when missing
	Missing bool
}

func (d Difference) String() string {
	if d.Missing {
		return fmt.Sprintf("%s: applied %s, not stored (dropped)", d.Path, show(d.Applied))
	}
	return fmt.Sprintf("%s: applied %s, stored %s", d.Path, show(d.Applied), show(d.Stored))
}

// Compare reports every field of applied (the manifest as rendered) that
// stored (the object the server returned) lacks or holds with another
// value. It is a one-way comparison: the server may add to an object
// (metadata.uid, resourceVersion, managedFields, status, defaulted fields,
// list items other managers own) and that is not a difference; a manifest
// field that is gone or changed is. Maps are walked key by key, lists
// element by element (a single apply manager's list order is kept), and
// leaves must be equal, with two exceptions that are the server
// normalising, not dropping:
//   - numbers compare by value (1 and 1.0 are the same JSON number);
//   - a quantity compares by value ("0.5" CPU is stored as "500m").
//
// A Secret's write-only stringData is compared with the base64 data the
// server stores it as. An empty map, empty list or null the manifest sets
// and the server omits is reported too: it is noise in the output, and
// hides nothing only by luck.
func Compare(applied, stored map[string]any) []Difference {
	applied = secretStringData(applied)
	var diffs []Difference
	walk("", applied, stored, true, &diffs)
	return diffs
}

// Leaves counts the scalar fields (and empty maps and lists) of obj: the
// number of values Compare checks, logged so a pass is visibly not vacuous.
func Leaves(obj any) int {
	switch t := obj.(type) {
	case map[string]any:
		if len(t) == 0 {
			return 1
		}
		n := 0
		for _, v := range t {
			n += Leaves(v)
		}
		return n
	case []any:
		if len(t) == 0 {
			return 1
		}
		n := 0
		for _, v := range t {
			n += Leaves(v)
		}
		return n
	}
	return 1
}

func walk(path string, applied, stored any, present bool, diffs *[]Difference) {
	if !present {
		*diffs = append(*diffs, Difference{Path: path, Applied: applied, Missing: true})
		return
	}
	switch a := applied.(type) {
	case map[string]any:
		s, ok := stored.(map[string]any)
		if !ok {
			*diffs = append(*diffs, Difference{Path: path, Applied: applied, Stored: stored})
			return
		}
		keys := make([]string, 0, len(a))
		for k := range a {
			keys = append(keys, k)
		}
		sort.Strings(keys) // deterministic report order
		for _, k := range keys {
			sv, ok := s[k]
			walk(join(path, k), a[k], sv, ok, diffs)
		}
	case []any:
		s, ok := stored.([]any)
		if !ok {
			*diffs = append(*diffs, Difference{Path: path, Applied: applied, Stored: stored})
			return
		}
		if len(a) == 0 {
			return // present as an empty list: stored as set
		}
		for i, av := range a {
			p := path + "[" + strconv.Itoa(i) + "]"
			if i >= len(s) {
				walk(p, av, nil, false, diffs)
				continue
			}
			walk(p, av, s[i], true, diffs)
		}
	default:
		if !leafEqual(applied, stored) {
			*diffs = append(*diffs, Difference{Path: path, Applied: applied, Stored: stored})
		}
	}
}

func leafEqual(a, s any) bool {
	if reflect.DeepEqual(a, s) {
		return true
	}
	if af, ok := number(a); ok {
		if sf, ok := number(s); ok {
			return af == sf
		}
	}
	return quantityEqual(a, s)
}

func number(v any) (float64, bool) {
	switch n := v.(type) {
	case int64:
		return float64(n), true
	case float64:
		return n, !math.IsNaN(n)
	case int:
		return float64(n), true
	}
	return 0, false
}

// quantityEqual is true when the server rewrote a quantity to its
// canonical form: stored is a string, and both parse to the same amount.
// A plain string field is stored byte for byte, so this cannot hide a
// changed non-quantity value.
func quantityEqual(a, s any) bool {
	ss, ok := s.(string)
	if !ok {
		return false
	}
	var as string
	switch v := a.(type) {
	case string:
		as = v
	case int64, float64, int:
		as = fmt.Sprint(v)
	default:
		return false
	}
	aq, err := resource.ParseQuantity(as)
	if err != nil {
		return false
	}
	sq, err := resource.ParseQuantity(ss)
	if err != nil {
		return false
	}
	return aq.Cmp(sq) == 0
}

// secretStringData rewrites a core/v1 Secret's stringData into the base64
// data the server stores (stringData wins over data for the same key, as
// in the API server), so Compare can check it.
func secretStringData(obj map[string]any) map[string]any {
	if obj["apiVersion"] != "v1" || obj["kind"] != "Secret" {
		return obj
	}
	sd, ok := obj["stringData"].(map[string]any)
	if !ok {
		return obj
	}
	out := make(map[string]any, len(obj))
	for k, v := range obj {
		out[k] = v
	}
	data := map[string]any{}
	if d, ok := obj["data"].(map[string]any); ok {
		for k, v := range d {
			data[k] = v
		}
	}
	for k, v := range sd {
		if s, ok := v.(string); ok {
			data[k] = base64.StdEncoding.EncodeToString([]byte(s))
		}
	}
	delete(out, "stringData")
	out["data"] = data
	return out
}

// join appends key to path; keys that are not plain identifiers (label
// and annotation keys) are bracketed so the path stays unambiguous.
func join(path, key string) string {
	if !plainKey(key) {
		return path + "[" + strconv.Quote(key) + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func plainKey(key string) bool {
	if key == "" {
		return false
	}
	for _, r := range key {
		if !(r == '_' || r == '-' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}

func show(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(t)
	case map[string]any:
		if len(t) == 0 {
			return "{}"
		}
	case []any:
		if len(t) == 0 {
			return "[]"
		}
	}
	s := fmt.Sprint(v)
	if len(s) > 120 {
		s = s[:117] + "..."
	}
	return s
}
