package krm

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
)

func TestDiagnose(t *testing.T) {
	cases := []struct {
		reason, input, wantPath, wantMsg string
	}{
		{"empty input", "", "", "the input is empty"},
		{"not YAML", "a: [", "", "the input is not YAML"},
		{"a scalar", "hello\n", "", `the input is a scalar ("hello") on line 1`},
		{"wrong kind", "apiVersion: v1\nkind: List\n", "kind", `must be ResourceList (apiVersion config.kubernetes.io/v1), got a scalar ("List") on line 2`},
		{"no kind", "items: []\n", "kind", "must be ResourceList (apiVersion config.kubernetes.io/v1), got nothing"},
		{"functionConfig a list", "kind: ResourceList\nfunctionConfig: [a]\n", "functionConfig", "got a list on line 2"},
		{"items a scalar", "kind: ResourceList\nitems: 5\n", "items", `got a scalar ("5") on line 2`},
		{"the first bad item is named", "kind: ResourceList\nitems:\n- {kind: A}\n- x\n- [y]\n", "items[1]", `got a scalar ("x") on line 4`},
		{"null items are an empty list, not an error; the SDK's error is passed on", "kind: ResourceList\nitems: ~\nfunctionConfig: ~\n", "", "the input is not a ResourceList the function can read: sdk says no"},
	}
	for _, tc := range cases {
		r := diagnose([]byte(tc.input), errors.New("sdk says no"))
		path := ""
		if r.Field != nil {
			path = r.Field.Path
		}
		if path != tc.wantPath || !strings.Contains(r.Message, tc.wantMsg) || r.Severity != fn.Error {
			t.Errorf("%s: got %s result at %q: %q; want path %q, message containing %q", tc.reason, r.Severity, path, r.Message, tc.wantPath, tc.wantMsg)
		}
	}
}

// TestRunDropsEarlierResults feeds a successful run's own kind of input with an old error result:
// the output must hold this run's results only, so a success never carries an error.
func TestRunDropsEarlierResults(t *testing.T) {
	cfg, err := os.ReadFile("testdata/success/minimal/config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	input := "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults:\n- {message: from an earlier run, severity: error}\nfunctionConfig:\n  " +
		strings.ReplaceAll(strings.TrimSpace(string(cfg)), "\n", "\n  ") + "\n"
	out, err := Run([]byte(input))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	rl, err := fn.ParseResourceList(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rl.Results {
		if r.Severity == fn.Error || strings.Contains(r.Message, "earlier run") {
			t.Errorf("output carries the input's result %q (%s)", r.Message, r.Severity)
		}
	}
}
