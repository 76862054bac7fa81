package node_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/generators"
	"supremeraid.dev/supremeraid-fn/generators/node"
)

// render returns "Kind/name" per generated object and the whole output as one YAML stream.
func render(t *testing.T, edit func(doc map[string]any)) ([]string, string, error) {
	t.Helper()
	objs, err := node.Generate(loadConfig(t, edit))
	if err != nil {
		return nil, "", err
	}
	var ids []string
	var out strings.Builder
	for _, o := range objs {
		m, err := generators.ToMap(o)
		if err != nil {
			t.Fatal(err)
		}
		md := m["metadata"].(map[string]any)
		ids = append(ids, fmt.Sprintf("%s/%s", m["kind"], md["name"]))
		if md["namespace"] != "supremeraid" {
			t.Errorf("%s/%s in namespace %v", m["kind"], md["name"], md["namespace"])
		}
		labels, _ := md["labels"].(map[string]any)
		if labels["app.kubernetes.io/component"] != "node" || labels["app.kubernetes.io/managed-by"] != "supremeraid-fn" || labels["app.kubernetes.io/part-of"] != "graid" {
			t.Errorf("%s/%s labels %v", m["kind"], md["name"], labels)
		}
		y, err := yaml.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out.Write(y)
		out.WriteString("---\n")
	}
	return ids, out.String(), nil
}

func TestGenerate(t *testing.T) {
	cases := map[string]struct {
		reason  string
		edit    func(doc map[string]any)
		want    []string // Kind/name, in order; the BuildConfig's hash suffix is checked elsewhere
		wantErr string
	}{
		"internal registry": {
			reason: "layout, build context, ImageStream, BuildConfig, then the DaemonSet that uses them",
			want:   []string{"ConfigMap/graid-node-layout", "ConfigMap/graid-node-build", "ImageStream/graid-node", "BuildConfig/graid-node-", "DaemonSet/graid-node"},
		},
		"external registry": {
			reason: "no ImageStream when the image goes to a plain registry",
			edit: func(doc map[string]any) {
				at(doc, "spec", "node")["imageRepository"] = "registry.example.com/graid/node"
			},
			want: []string{"ConfigMap/graid-node-layout", "ConfigMap/graid-node-build", "BuildConfig/graid-node-", "DaemonSet/graid-node"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ids, out, err := render(t, tc.edit)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nerr %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\n%v", tc.reason, err)
			}
			if len(ids) != len(tc.want) {
				t.Fatalf("%s\nobjects %q, want %q", tc.reason, ids, tc.want)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(ids[i], w) {
					t.Errorf("%s\nobject %d is %s, want %s", tc.reason, i, ids[i], w)
				}
			}
			_, again, err := render(t, tc.edit)
			if err != nil || again != out {
				t.Errorf("%s\nthe output differs between two runs (err %v)", tc.reason, err)
			}
		})
	}
}

func TestNotes(t *testing.T) {
	notes := node.Notes(loadConfig(t, nil))
	if len(notes) != 2 || !strings.Contains(notes[0], `Secret supremeraid/graid-license with key "license"`) || !strings.Contains(notes[1], `RuntimeClass "nvidia"`) {
		t.Errorf("notes %q", notes)
	}
	hook := node.Notes(loadConfig(t, func(doc map[string]any) { at(doc, "spec", "node")["runtimeClassName"] = "" }))
	if len(hook) != 1 || slices.ContainsFunc(hook, func(n string) bool { return strings.Contains(n, "RuntimeClass") }) {
		t.Errorf("without a runtime class there is nothing to say about it: %q", hook)
	}
}
