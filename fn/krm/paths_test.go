package krm_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"

	"supremeraid.dev/supremeraid-fn/fn/krm"
	"supremeraid.dev/supremeraid-fn/generators/meta"
	"supremeraid.dev/supremeraid-fn/generators/opa"
)

// withAnnotations adds annotations to the metadata of a config document (name graid).
func withAnnotations(cfg string, kv ...string) string {
	var b strings.Builder
	b.WriteString("metadata:\n  name: graid\n  annotations:\n")
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteString("    " + kv[i] + ": " + kv[i+1] + "\n")
	}
	return strings.Replace(cfg, "metadata:\n  name: graid\n", b.String(), 1)
}

// TestGeneratedPaths checks where generated objects are filed: nowhere under kustomize (no
// input item has a path), and generated/<name>/<component>.yaml next to the config under kpt,
// with indexes counting up within each file in emission order.
func TestGeneratedPaths(t *testing.T) {
	cfg := minimalConfig(t)
	cases := map[string]struct {
		reason   string
		input    []byte
		wantPath string // directory of the generated files; empty: no path annotations at all
	}{
		"kustomize generator": {
			reason:   "kustomize sends the config without path annotations and would leak any we set",
			input:    resourceList(t, withLocalConfig(cfg), withAnnotations(cfg, "config.kubernetes.io/local-config", `"true"`, "config.kubernetes.io/index", `"0"`, "internal.config.kubernetes.io/index", `"0"`)),
			wantPath: "",
		},
		"kpt fn render, config at the package root": {
			reason:   "kpt writes generated objects to the files their annotations name",
			input:    resourceList(t, withAnnotations(cfg, "internal.config.kubernetes.io/path", "supremeraid.yaml"), withAnnotations(cfg, "internal.config.kubernetes.io/path", "supremeraid.yaml"), unrelated),
			wantPath: "generated/graid",
		},
		"kpt, config in a sub-directory, legacy annotation only": {
			reason:   "the files go next to the config; the legacy path annotation is honoured too",
			input:    resourceList(t, withAnnotations(cfg, "config.kubernetes.io/path", "cluster/supremeraid.yaml"), unrelated),
			wantPath: "cluster/generated/graid",
		},
		"kpt fn eval with --fn-config outside the package": {
			reason:   "a config without a path files its objects under the package root",
			input:    resourceList(t, cfg, unrelated),
			wantPath: "generated/graid",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := fn.Run(krm.Processor, tc.input)
			if err != nil {
				t.Fatalf("%s\nRun: %v", tc.reason, err)
			}
			rl, err := fn.ParseResourceList(out)
			if err != nil {
				t.Fatal(err)
			}
			wantIndex := emissionIndexes(t)
			generated := 0
			for _, o := range rl.Items {
				if o.GetLabel(meta.LabelManagedBy) != meta.ManagedBy {
					continue
				}
				generated++
				annos := o.GetAnnotations()
				if tc.wantPath == "" {
					for k := range annos {
						// The chart-values ConfigMap is local-config on purpose: kpt keeps it in the
						// package, kustomize leaves it out of what gets applied.
						if k == opa.LocalConfigAnnotation && o.GetName() == "graid-opa-values" {
							continue
						}
						if strings.Contains(k, "config.kubernetes.io/") {
							t.Errorf("%s\n%s %s has annotation %s", tc.reason, o.GetKind(), o.GetName(), k)
						}
					}
					continue
				}
				wantFile := tc.wantPath + "/" + o.GetLabel(meta.LabelComponent) + ".yaml"
				want := map[string]string{
					"internal.config.kubernetes.io/path":  wantFile,
					"config.kubernetes.io/path":           wantFile,
					"internal.config.kubernetes.io/index": wantIndex[o.GetKind()+"/"+o.GetName()],
					"config.kubernetes.io/index":          wantIndex[o.GetKind()+"/"+o.GetName()],
				}
				for k, v := range want {
					if annos[k] != v {
						t.Errorf("%s\n%s %s: %s = %q, want %q", tc.reason, o.GetKind(), o.GetName(), k, annos[k], v)
					}
				}
			}
			if generated == 0 {
				t.Fatalf("%s\nno generated objects among %d items", tc.reason, len(rl.Items))
			}
		})
	}
}

// emissionIndexes renders the minimal config and numbers its objects within each component in
// emission order: the index each must carry in its file (the SDK sorts items on output, kpt
// sorts each file by index).
func emissionIndexes(t *testing.T) map[string]string {
	t.Helper()
	docs, _, problems, err := krm.Render([]byte(minimalConfig(t)))
	if len(problems) > 0 || err != nil {
		t.Fatalf("Render: %v %v", problems, err)
	}
	next := map[string]int{}
	out := map[string]string{}
	for _, d := range docs {
		o, err := fn.ParseKubeObject(d)
		if err != nil {
			t.Fatal(err)
		}
		c := o.GetLabel(meta.LabelComponent)
		out[o.GetKind()+"/"+o.GetName()] = strconv.Itoa(next[c])
		next[c]++
	}
	return out
}
