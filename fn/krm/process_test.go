package krm_test

import (
	"os"
	"strings"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"

	"supremeraid.dev/supremeraid-fn/fn/krm"
)

const unrelated = `apiVersion: v1
kind: ConfigMap
metadata:
  name: keep-me
  namespace: default
  annotations:
    config.kubernetes.io/path: keep.yaml
data:
  k: v
`

func minimalConfig(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/success/minimal/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func resourceList(t *testing.T, functionConfig string, items ...string) []byte {
	t.Helper()
	return wrapRL(functionConfig, items...)
}

func indentItem(doc string) string {
	lines := strings.Split(strings.TrimRight(doc, "\n"), "\n")
	var b strings.Builder
	first := true
	for _, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if first {
			b.WriteString("- " + l + "\n")
			first = false
			continue
		}
		b.WriteString("  " + l + "\n")
	}
	return b.String()
}

func withLocalConfig(cfg string) string {
	return strings.Replace(cfg, "metadata:\n  name: graid\n", "metadata:\n  name: graid\n  annotations:\n    config.kubernetes.io/local-config: \"true\"\n", 1)
}

func TestProcess(t *testing.T) {
	cfg := minimalConfig(t)
	generated := len(strings.Split(string(renderFile(t, "testdata/success/minimal/config.yaml")), "\n---\n"))
	cases := map[string]struct {
		reason    string
		input     []byte
		wantOK    bool
		wantItems int
		wantKinds []string // kinds that must be among the items
		wantMsg   string   // substring of the first error result
	}{
		"kpt: config as functionConfig, unrelated items pass through": {
			reason:    "generated objects are appended after the untouched input items",
			input:     resourceList(t, cfg, unrelated),
			wantOK:    true,
			wantItems: 1 + generated,
			wantKinds: []string{"ConfigMap", "Namespace", "ServiceAccount", "RoleBinding"},
		},
		"kustomize: config is functionConfig and the only item, marked local-config": {
			reason:    "the config item passes through (kustomize drops local-config items itself)",
			input:     resourceList(t, withLocalConfig(cfg), withLocalConfig(cfg)),
			wantOK:    true,
			wantItems: 1 + generated,
			wantKinds: []string{"SupremeRAID", "Namespace"},
		},
		"kpt fn eval without functionConfig: the one SupremeRAID item is the config": {
			reason:    "a package holding one config can be evaluated without --fn-config",
			input:     resourceList(t, "", cfg),
			wantOK:    true,
			wantItems: 1 + generated,
		},
		"no config anywhere": {
			reason:  "the error says how to pass the config",
			input:   resourceList(t, "", unrelated),
			wantMsg: "no SupremeRAID config",
		},
		"functionConfig of another kind": {
			reason:  "a ConfigMap functionConfig is rejected with the accepted kind named",
			input:   resourceList(t, unrelated),
			wantMsg: "functionConfig must be kind SupremeRAID",
		},
		"two configs and no functionConfig": {
			reason:  "ambiguous input is an error, not a guess",
			input:   resourceList(t, "", cfg, strings.Replace(cfg, "name: graid", "name: other", 1)),
			wantMsg: "2 SupremeRAID objects",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, err := fn.Run(krm.Processor, tc.input)
			if (err == nil) != tc.wantOK {
				t.Fatalf("%s\nRun error = %v, want ok=%v", tc.reason, err, tc.wantOK)
			}
			rl, perr := fn.ParseResourceList(out)
			if perr != nil {
				t.Fatalf("output is not a ResourceList: %v", perr)
			}
			if !tc.wantOK {
				if len(rl.Results) == 0 || !strings.Contains(rl.Results[0].Message, tc.wantMsg) {
					t.Fatalf("%s\nresults = %v, want a message containing %q", tc.reason, rl.Results, tc.wantMsg)
				}
				in, _ := fn.ParseResourceList(tc.input)
				if len(rl.Items) != len(in.Items) {
					t.Errorf("%s\nitems changed on error: %d in, %d out", tc.reason, len(in.Items), len(rl.Items))
				}
				return
			}
			if len(rl.Items) != tc.wantItems {
				t.Errorf("%s\ngot %d items, want %d", tc.reason, len(rl.Items), tc.wantItems)
			}
			kinds := map[string]bool{}
			for _, o := range rl.Items {
				kinds[o.GetKind()] = true
			}
			for _, k := range tc.wantKinds {
				if !kinds[k] {
					t.Errorf("%s\nno %s among the items", tc.reason, k)
				}
			}
		})
	}
}

// TestProcessTwiceChangesNothing feeds the output back in, as `kpt fn render` does on its second
// run: objects generated earlier are replaced, not duplicated, and the bytes are identical.
func TestProcessTwiceChangesNothing(t *testing.T) {
	first, err := fn.Run(krm.Processor, resourceList(t, minimalConfig(t), unrelated))
	if err != nil {
		t.Fatal(err)
	}
	// kpt hands a function the package's items, not the previous run's results.
	rl, err := fn.ParseResourceList(first)
	if err != nil {
		t.Fatal(err)
	}
	rl.Results = nil
	input, err := rl.ToYAML()
	if err != nil {
		t.Fatal(err)
	}
	second, err := fn.Run(krm.Processor, input)
	if err != nil {
		t.Fatal(err)
	}
	if string(first) != string(second) {
		t.Errorf("second run changed the ResourceList:\nfirst:\n%s\nsecond:\n%s", first, second)
	}
}
