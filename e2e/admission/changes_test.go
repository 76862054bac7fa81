package admission

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// change is one difference between a baseline and a stored pod.
type change struct {
	Op   byte // '+' added, '-' removed, '~' changed
	Path string
	// New is the stored value ('+', '~').
	New any
}

func (c change) String() string { return fmt.Sprintf("%c%s = %s", c.Op, c.Path, show(c.New)) }

// specChanges compares the spec, labels and annotations of two pods. Lists
// of named things are matched by key, not index (volumes and containers by
// name, volumeMounts by mountPath), so an addition shows as one "+" and not
// as every later item changing. The ServiceAccount token volume's random
// name suffix (kube-api-access-xxxxx) is ignored.
func specChanges(baseline, stored *corev1.Pod) ([]change, error) {
	a, err := comparable(baseline)
	if err != nil {
		return nil, err
	}
	b, err := comparable(stored)
	if err != nil {
		return nil, err
	}
	var out []change
	diff("", a, b, &out)
	return out, nil
}

func comparable(p *corev1.Pod) (map[string]any, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(p)
	if err != nil {
		return nil, fmt.Errorf("converting pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	md, _ := m["metadata"].(map[string]any)
	out := map[string]any{"spec": m["spec"], "labels": md["labels"], "annotations": md["annotations"]}
	renameTokenVolume(out)
	return out, nil
}

// tokenVolumePrefix is the ServiceAccount admission plugin's volume name;
// it appends 5 random characters.
const tokenVolumePrefix = "kube-api-access-"

func renameTokenVolume(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if s, ok := x.(string); ok && k == "name" && strings.HasPrefix(s, tokenVolumePrefix) {
				t[k] = tokenVolumePrefix + "<random>"
				continue
			}
			renameTokenVolume(x)
		}
	case []any:
		for _, x := range t {
			renameTokenVolume(x)
		}
	}
}

// listKey is the field that identifies items of the list at path.
func listKey(path string) string {
	switch {
	case strings.HasSuffix(path, ".volumeMounts"):
		return "mountPath"
	case strings.HasSuffix(path, ".volumes"), strings.HasSuffix(path, ".containers"),
		strings.HasSuffix(path, ".initContainers"), strings.HasSuffix(path, ".env"):
		return "name"
	}
	return ""
}

func diff(path string, a, b any, out *[]change) {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			break
		}
		for _, k := range unionKeys(av, bv) {
			x, inA := av[k]
			y, inB := bv[k]
			p := join(path, k)
			switch {
			case inA && !inB:
				*out = append(*out, change{Op: '-', Path: p})
			case !inA && inB:
				*out = append(*out, change{Op: '+', Path: p, New: y})
			default:
				diff(p, x, y, out)
			}
		}
		return
	case []any:
		bv, ok := b.([]any)
		if !ok {
			break
		}
		if key := listKey(path); key != "" {
			diffKeyed(path, key, av, bv, out)
			return
		}
		for i := 0; i < len(av) || i < len(bv); i++ {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case i >= len(bv):
				*out = append(*out, change{Op: '-', Path: p})
			case i >= len(av):
				*out = append(*out, change{Op: '+', Path: p, New: bv[i]})
			default:
				diff(p, av[i], bv[i], out)
			}
		}
		return
	}
	if !reflect.DeepEqual(a, b) {
		*out = append(*out, change{Op: '~', Path: path, New: b})
	}
}

func diffKeyed(path, key string, a, b []any, out *[]change) {
	index := func(list []any) (map[string]any, []string) {
		m := map[string]any{}
		var order []string
		for i, item := range list {
			k := fmt.Sprintf("#%d", i)
			if im, ok := item.(map[string]any); ok {
				if s, ok := im[key].(string); ok {
					k = s
				}
			}
			m[k] = item
			order = append(order, k)
		}
		return m, order
	}
	am, _ := index(a)
	bm, _ := index(b)
	for _, k := range unionKeys(am, bm) {
		x, inA := am[k]
		y, inB := bm[k]
		p := fmt.Sprintf("%s[%s=%s]", path, key, k)
		switch {
		case inA && !inB:
			*out = append(*out, change{Op: '-', Path: p})
		case !inA && inB:
			*out = append(*out, change{Op: '+', Path: p, New: y})
		default:
			diff(p, x, y, out)
		}
	}
}

func unionKeys(a, b map[string]any) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range []map[string]any{a, b} {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

// join appends a map key; keys that are not plain identifiers (label keys
// such as feature.node.kubernetes.io/supremeraid) go in brackets.
func join(path, key string) string {
	if strings.ContainsAny(key, "./[]=") {
		return path + "[" + key + "]"
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func show(v any) string {
	if v == nil {
		return "<nil>"
	}
	return fmt.Sprintf("%v", v)
}
