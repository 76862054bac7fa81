package krm

import (
	"strings"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
)

func TestCheckItems(t *testing.T) {
	cases := []struct {
		reason   string
		item     string
		wantMsg  string // "" = accepted
		wantFile string
	}{
		{"a Kubernetes object passes", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", "", ""},
		{"a custom resource passes too: we do not judge kinds we do not own", "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: a}\n", "", ""},
		{"no apiVersion, no kind", "metadata: {name: a}\ndata: {k: v}\n", "apiVersion and kind missing", ""},
		{"no kind; the file is named when the orchestrator said it", "apiVersion: v1\nmetadata:\n  name: a\n  annotations: {config.kubernetes.io/path: a.yaml}\n", "kind missing", "a.yaml"},
		{"no apiVersion", "kind: Secret\nmetadata: {name: a}\n", "apiVersion missing", ""},
	}
	for _, tc := range cases {
		o, err := fn.ParseKubeObject([]byte(tc.item))
		if err != nil {
			t.Fatal(err)
		}
		results := checkItems(fn.KubeObjects{o, o})
		if tc.wantMsg == "" {
			if len(results) != 0 {
				t.Errorf("%s: got results %v", tc.reason, results)
			}
			continue
		}
		if len(results) != 2 || results[1].Field == nil || results[1].Field.Path != "items[1]" {
			t.Fatalf("%s: want one result per item, the second at items[1]; got %v", tc.reason, results)
		}
		if r := results[0]; r.Severity != fn.Error || !strings.Contains(r.Message, tc.wantMsg) {
			t.Errorf("%s: result %q (%s), want an error containing %q", tc.reason, r.Message, r.Severity, tc.wantMsg)
		}
		if file := results[0].File; (file == nil) != (tc.wantFile == "") || file != nil && file.Path != tc.wantFile {
			t.Errorf("%s: file %v, want %q", tc.reason, file, tc.wantFile)
		}
	}
}
