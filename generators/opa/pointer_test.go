package opa

import (
	"encoding/json"
	"testing"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/google/go-cmp/cmp"
)

// TestPointer checks the policy's RFC 6901 pointer builder, and that a
// real JSON patch implementation resolves each pointer to the intended key.
func TestPointer(t *testing.T) {
	s := testSettings()
	cases := map[string]struct {
		reason   string
		segments string
		want     string
		doc      string // a document in which the pointer must exist
	}{
		"plain": {
			reason:   "ordinary keys and an array index",
			segments: `["spec", "containers", 2, "volumeMounts"]`,
			want:     "/spec/containers/2/volumeMounts",
			doc:      `{"spec":{"containers":[{},{},{"volumeMounts":[]}]}}`,
		},
		"slash": {
			reason:   `"/" in a key becomes "~1", as in label and annotation keys`,
			segments: `["metadata", "annotations", "supremeraid.dev/run-as-user"]`,
			want:     "/metadata/annotations/supremeraid.dev~1run-as-user",
			doc:      `{"metadata":{"annotations":{"supremeraid.dev/run-as-user":"1"}}}`,
		},
		"tilde": {
			reason:   `"~" becomes "~0"`,
			segments: `["a~b"]`,
			want:     "/a~0b",
			doc:      `{"a~b":1}`,
		},
		"tilde then slash": {
			reason:   `"~1" in a key must become "~01", not "/" nor "~1": escape "~" first`,
			segments: `["~1", "/~"]`,
			want:     "/~01/~1~0",
			doc:      `{"~1":{"/~":1}}`,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			pq := prepare(t, "data.supremeraid.admission.pointer("+tc.segments+")", &s, map[string]any{})
			out, ok := evalJSON(t, pq, []byte(`{}`))
			if !ok {
				t.Fatalf("%s\npointer undefined", tc.reason)
			}
			var got string
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Fatalf("%s\npointer (-want +got):\n%s", tc.reason, diff)
			}
			// "replace" fails unless the pointer names an existing member.
			op, err := json.Marshal([]map[string]any{{"op": "replace", "path": got, "value": "hit"}})
			if err != nil {
				t.Fatal(err)
			}
			patch, err := jsonpatch.DecodePatch(op)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := patch.Apply([]byte(tc.doc)); err != nil {
				t.Errorf("%s\n%s does not resolve in %s: %v", tc.reason, got, tc.doc, err)
			}
		})
	}
}
