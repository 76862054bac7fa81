package apply

import (
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	cases := map[string]struct {
		reason  string
		input   string
		want    []string // IDs
		wantErr []string // substrings, all must appear
	}{
		"multi document stream": {
			reason: "documents split on ---; empty ones (leading, trailing, doubled separators) skipped",
			input: `---
apiVersion: v1
kind: Namespace
metadata: {name: supremeraid}
---
---
apiVersion: v1
kind: ConfigMap
metadata: {name: graid-node, namespace: supremeraid}
data: {a: b}
---
`,
			want: []string{"v1 Namespace supremeraid", "v1 ConfigMap supremeraid/graid-node"},
		},
		"duplicate key": {
			reason: "a duplicate key means the generator emitted two values and YAML kept one silently",
			input: `apiVersion: v1
kind: ConfigMap
metadata: {name: x, namespace: y}
data: {a: b}
data: {c: d}
`,
			wantErr: []string{"test.yaml#0", `"data" already set`},
		},
		"missing identity": {
			reason: "every error names the document and all missing fields at once",
			input: `apiVersion: v1
kind: ConfigMap
metadata: {name: ok, namespace: y}
---
kind: ConfigMap
metadata: {namespace: y}
`,
			wantErr: []string{"test.yaml#1", "apiVersion", "metadata.name"},
		},
		"list kind": {
			reason: "a List would hide its items from ordering and comparison",
			input: `apiVersion: v1
kind: List
metadata: {name: l}
items: []
`,
			wantErr: []string{"is a list"},
		},
		"not an object": {
			reason:  "a scalar document is not a Kubernetes object",
			input:   "just a string\n",
			wantErr: []string{"test.yaml#0", "not a Kubernetes object"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			objs, err := Decode([]byte(tc.input), "test.yaml")
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("%s: want error containing %q, got %d objects", tc.reason, tc.wantErr, len(objs))
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("%s: error %q does not contain %q", tc.reason, err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.ID())
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("%s: got %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestDecodeKeepsRenderedBytesAsJSON(t *testing.T) {
	objs, err := Decode([]byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: ns}\ndata: {port: \"8080\"}\n"), "t")
	if err != nil {
		t.Fatal(err)
	}
	want := `{"apiVersion":"v1","data":{"port":"8080"},"kind":"ConfigMap","metadata":{"name":"x","namespace":"ns"}}`
	if got := string(objs[0].JSON); got != want {
		t.Errorf("the apply body must be the rendered document as JSON, unchanged in value:\n got %s\nwant %s", got, want)
	}
	if objs[0].Source != "t#0" {
		t.Errorf("Source = %q, want t#0", objs[0].Source)
	}
}
