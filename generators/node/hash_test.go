package node_test

import (
	"testing"

	"supremeraid.dev/supremeraid-fn/generators/node"
)

func TestDataHash(t *testing.T) {
	base := map[string]string{"layout.json": "{}\n", "b": "x"}
	cases := []struct {
		reason string
		data   map[string]string
		same   bool
	}{
		{"the same content in a new map hashes alike (map order never matters)", map[string]string{"b": "x", "layout.json": "{}\n"}, true},
		{"a changed value changes the hash", map[string]string{"layout.json": "{ }\n", "b": "x"}, false},
		{"a renamed key changes the hash", map[string]string{"layout.json": "{}\n", "c": "x"}, false},
		{"an added key changes the hash", map[string]string{"layout.json": "{}\n", "b": "x", "c": ""}, false},
		{"moving bytes between key and value changes the hash", map[string]string{"layout.json": "{}\n", "bx": ""}, false},
		{"moving bytes between two entries changes the hash", map[string]string{"layout.json": "{}\nb", "": "x"}, false},
	}
	want := node.DataHash(base)
	if len(want) != 64 {
		t.Fatalf("DataHash = %q, want 64 hex digits", want)
	}
	for _, tc := range cases {
		if got := node.DataHash(tc.data); (got == want) != tc.same {
			t.Errorf("%s: DataHash(%q) = %s, base %s", tc.reason, tc.data, got, want)
		}
	}
}
