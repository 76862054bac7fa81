package opachart

import (
	"reflect"
	"testing"
)

func TestMerge(t *testing.T) {
	tests := []struct {
		name      string
		reason    string
		defaults  map[string]any
		overrides map[string]any
		want      map[string]any
	}{
		{
			name:      "maps merge key by key",
			reason:    "a chart default we do not set must survive, as with helm --values",
			defaults:  map[string]any{"authz": map[string]any{"enabled": true, "mgmtToken": "x"}, "port": 8181},
			overrides: map[string]any{"authz": map[string]any{"enabled": false}},
			want:      map[string]any{"authz": map[string]any{"enabled": false, "mgmtToken": "x"}, "port": 8181},
		},
		{
			name:     "lists replace",
			reason:   "Helm never merges lists: our webhook rules replace the chart's match-everything rule",
			defaults: map[string]any{"rules": []any{map[string]any{"operations": []any{"*"}}}},
			overrides: map[string]any{"rules": []any{
				map[string]any{"operations": []any{"CREATE"}},
			}},
			want: map[string]any{"rules": []any{map[string]any{"operations": []any{"CREATE"}}}},
		},
		{
			name:   "selector lists replace, selector maps merge",
			reason: "matchExpressions replaces the chart's default list; a matchLabels beside it would be kept",
			defaults: map[string]any{"namespaceSelector": map[string]any{
				"matchExpressions": []any{"default"},
			}},
			overrides: map[string]any{"namespaceSelector": map[string]any{
				"matchLabels": map[string]any{"a": "b"},
			}},
			want: map[string]any{"namespaceSelector": map[string]any{
				"matchExpressions": []any{"default"},
				"matchLabels":      map[string]any{"a": "b"},
			}},
		},
		{
			name:      "null deletes",
			reason:    "helm deletes a default key set to null by the user",
			defaults:  map[string]any{"securityContext": map[string]any{"runAsUser": 1, "enabled": false}},
			overrides: map[string]any{"securityContext": map[string]any{"runAsUser": nil}},
			want:      map[string]any{"securityContext": map[string]any{"enabled": false}},
		},
		{
			name:      "scalar over map",
			reason:    "the override wins whatever the types",
			defaults:  map[string]any{"opa": map[string]any{}},
			overrides: map[string]any{"opa": false},
			want:      map[string]any{"opa": false},
		},
		{
			name:      "new keys are added",
			reason:    "values the chart does not declare still reach the templates",
			defaults:  map[string]any{},
			overrides: map[string]any{"timeoutSeconds": 5},
			want:      map[string]any{"timeoutSeconds": 5},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Merge(tc.defaults, tc.overrides)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Merge = %#v, want %#v (%s)", got, tc.want, tc.reason)
			}
		})
	}
}

func TestMergeLeavesInputsAlone(t *testing.T) {
	defaults := map[string]any{"a": map[string]any{"b": 1, "c": 2}}
	overrides := map[string]any{"a": map[string]any{"b": 3, "c": nil}}
	_ = Merge(defaults, overrides)
	want := map[string]any{"a": map[string]any{"b": 1, "c": 2}}
	if !reflect.DeepEqual(defaults, want) {
		t.Errorf("defaults changed to %#v; Merge must copy, the chart defaults are shared between calls", defaults)
	}
}
