package config

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestREADMEReference keeps the README true: its config reference lists every field of the
// schema, and the config it shows is the example the tests render.
func TestREADMEReference(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(JSONSchema(), &s); err != nil {
		t.Fatal(err)
	}
	var paths []string
	leafPaths("", s["properties"].(map[string]any)["spec"].(map[string]any), &paths)
	if len(paths) < 40 {
		t.Fatalf("found only %d schema fields", len(paths))
	}
	for _, p := range paths {
		if !strings.Contains(string(readme), "| `"+p+"` |") {
			t.Errorf("README's config reference has no row for spec.%s", p)
		}
	}
	example, err := os.ReadFile("../../examples/kustomize/supremeraid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```yaml\n"+string(example)+"```\n") {
		t.Error("README does not show examples/kustomize/supremeraid.yaml as it is")
	}
}

// leafPaths lists field paths below spec the way the README writes them (lists as []).
func leafPaths(prefix string, node map[string]any, out *[]string) {
	if props, ok := node["properties"].(map[string]any); ok && !strings.HasSuffix(prefix, "tolerations[]") {
		for k, v := range props {
			p := k
			if prefix != "" {
				p = prefix + "." + k
			}
			leafPaths(p, v.(map[string]any), out)
		}
		return
	}
	if items, ok := node["items"].(map[string]any); ok && items["properties"] != nil && !strings.HasSuffix(prefix, "tolerations") {
		leafPaths(prefix+"[]", items, out)
		return
	}
	*out = append(*out, prefix)
}
