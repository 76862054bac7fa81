package krm

import (
	"reflect"

	"bytes"
	"fmt"
	"os"
	sigsyaml "sigs.k8s.io/yaml"
	"strings"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
)

// TestWriteMatchesSDK: apart from the order of the items and where head comments sit (see
// TestWriteKeepsOrderAndComments), writeResourceList writes what the SDK writes, whatever the
// items look like (block scalars, flow style, odd keys): read back and written by the SDK, both
// outputs hold the same data.
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
		ours, err := writeResourceList(a, nil)
		if err != nil {
			t.Fatalf("%s: %v", tc.reason, err)
		}
		reread, err := fn.ParseResourceList(ours)
		if err != nil {
			t.Fatalf("%s: our output does not parse: %v\n%s", tc.reason, err, ours)
		}
		got, err := reread.ToYAML()
		if err != nil {
			t.Fatal(err)
		}
		var wantData, gotData any
		if err := sigsyaml.Unmarshal(want, &wantData); err != nil {
			t.Fatal(err)
		}
		if err := sigsyaml.Unmarshal(got, &gotData); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(wantData, gotData) {
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
	out, err := writeResourceList(rl, nil)
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

// TestWriteKeepsOrderAndComments: items come out in their order, not sorted, and an item's head
// comment is written inside the item ("- # ..."), so kpt reads it back as the same comment.
func TestWriteKeepsOrderAndComments(t *testing.T) {
	in := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" +
		"- # the Kptfile's comment\n  apiVersion: kpt.dev/v1\n  kind: Kptfile\n  metadata: {name: pkg}\n" +
		"- # the second item's comment\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n" +
		"- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: a}\n"
	rl, err := fn.ParseResourceList([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := writeResourceList(rl, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"- # the Kptfile's comment\n  apiVersion: kpt.dev/v1\n", "- # the second item's comment\n  apiVersion: v1\n"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if k, c, d := bytes.Index(out, []byte("kind: Kptfile")), bytes.Index(out, []byte("kind: ConfigMap")), bytes.Index(out, []byte("kind: Deployment")); !(k < c && c < d) {
		t.Errorf("items reordered:\n%s", out)
	}
	again, err := fn.ParseResourceList(out)
	if err != nil {
		t.Fatal(err)
	}
	out2, err := writeResourceList(again, nil)
	if err != nil || !bytes.Equal(out, out2) {
		t.Errorf("writing what was read changes it (err %v):\n%s\n---\n%s", err, out, out2)
	}
}
