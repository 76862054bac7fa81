package krm

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
)

// TestWriteMatchesSDK: writeResourceList must produce exactly the SDK's bytes, whatever the
// items look like (comments, block scalars, flow style, odd keys), so using it changes nothing
// for kpt, kustomize or any golden file.
func TestWriteMatchesSDK(t *testing.T) {
	minimal, err := os.ReadFile("testdata/success/minimal/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fc := "functionConfig:\n  " + strings.ReplaceAll(strings.TrimSpace(string(minimal)), "\n", "\n  ") + "\n"
	const head = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n"
	var many strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&many, "- {apiVersion: v1, kind: ConfigMap, metadata: {name: cm-%d, namespace: ns-%d}}\n", 29-i, i%3)
	}
	cases := []struct {
		reason, input string
		process       bool // run Process first, so generated objects are written too
	}{
		{"no items, no functionConfig", head + "items: []\n", false},
		{"comments everywhere: head, line, inner, foot",
			head + "items:\n# head of the first item\n- apiVersion: v1 # line\n  kind: ConfigMap\n  # inner\n  metadata:\n    name: a\n  # foot of the first item\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n", false},
		{"block scalars with empty lines, leading spaces and keep/strip chomping",
			head + "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n  data:\n    x: |\n      a\n\n      b\n    y: |2\n        indented\n    z: |+\n      kept\n\n    w: >-\n      folded\n      text\n", false},
		{"flow style items, nested lists, quoted keys and odd scalars",
			head + "items:\n- {apiVersion: v1, kind: List, metadata: {name: x}, items: [{a: 1}, [1, 2]], 'key: with colon': \"v\\tw\", empty: '', nul: null}\n", false},
		{"thirty items out of order, sorted like the SDK sorts", head + "items:\n" + many.String(), false},
		{"results and a functionConfig", head + "items: []\nresults:\n- {message: m, severity: info}\n" + fc, false},
		{"the function's own output: generated objects next to an input item",
			head + "items:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: keep\n    annotations: {config.kubernetes.io/path: keep.yaml}\n" + fc, true},
	}
	for _, tc := range cases {
		a, err := fn.ParseResourceList([]byte(tc.input))
		if err != nil {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		b, _ := fn.ParseResourceList([]byte(tc.input))
		if tc.process {
			if ok, err := Process(a); !ok || err != nil {
				t.Fatalf("%s: Process: %v %v %v", tc.reason, ok, err, a.Results)
			}
			Process(b)
		}
		want, err := b.ToYAML()
		if err != nil {
			t.Fatal(err)
		}
		got, err := writeResourceList(a)
		if err != nil {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s: differs from the SDK's output\n--- want\n%s\n--- got\n%s", tc.reason, want, got)
		}
	}
}

// TestWriteKeepsEqualKeysInInputOrder: unlike the SDK's unstable sort, items with the same
// apiVersion, kind, namespace and name keep their input order, however many there are.
func TestWriteKeepsEqualKeysInInputOrder(t *testing.T) {
	var in strings.Builder
	in.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n")
	for i := 0; i < 40; i++ {
		fmt.Fprintf(&in, "- {apiVersion: v1, kind: ConfigMap, metadata: {name: same}, data: {n: '%02d'}}\n", i)
	}
	rl, err := fn.ParseResourceList([]byte(in.String()))
	if err != nil {
		t.Fatal(err)
	}
	out, err := writeResourceList(rl)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 40; i++ {
		want := fmt.Sprintf("n: '%02d'", i)
		if j := bytes.Index(out, []byte(want)); j < 0 || i > 0 && j < bytes.Index(out, []byte(fmt.Sprintf("n: '%02d'", i-1))) {
			t.Fatalf("item %d is missing or out of order:\n%s", i, out)
		}
	}
}
