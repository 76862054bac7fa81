package krm_test

// Fuzz targets (`make fuzz` runs each for a bounded time; `go test` runs their seeds and every
// input in testdata/fuzz/<target>/ as regular tests, so a crasher found once stays a test).
//
// Properties: no input makes the config loader or the function panic; a config is either
// accepted or rejected with problems that each carry a field path and a bounded message; a failed
// function run is still a ResourceList with an error result, and it emits no generated object.

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	sigsyaml "sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/fn/krm"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// maxSeed keeps the 1 MiB corpus cases out of the seeds: the mutator works on small inputs.
const maxSeed = 64 << 10

func fuzzSeeds(f *testing.F, patterns ...string) [][]byte {
	var seeds [][]byte
	for _, p := range patterns {
		files, _ := filepath.Glob(p)
		for _, name := range files {
			b, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			if len(b) <= maxSeed {
				seeds = append(seeds, b)
			}
		}
	}
	if len(seeds) == 0 {
		f.Fatalf("no seeds in %v", patterns)
	}
	return seeds
}

// FuzzLoad: config.Decode + Default + Validate (through krm.Load) on arbitrary bytes.
func FuzzLoad(f *testing.F) {
	for _, s := range fuzzSeeds(f, examplePath, "testdata/success/*/config.yaml", "testdata/error/*/config.yaml") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, problems := krm.Load(data)
		if (cfg == nil) == (len(problems) == 0) {
			t.Fatalf("Load returned config %v with %d problems; want exactly one of them", cfg != nil, len(problems))
		}
		for _, p := range problems {
			if p.Field == "" {
				t.Errorf("problem without a field path: %q", p.Error())
			}
			if n := len(p.ErrorBody()); n > krm.MaxMessage {
				t.Errorf("problem message of %d bytes (bound %d): %.300q", n, krm.MaxMessage, p.Error())
			}
			if strings.Contains(p.Error(), "\n") {
				t.Errorf("problem spans lines: %q", p.Error())
			}
		}
		if cfg == nil {
			return
		}
		// What the validator accepts, the generators must generate.
		if _, _, problems, err := krm.Render(data); len(problems) > 0 || err != nil {
			t.Fatalf("Load accepted the config but Render failed: problems %v, err %v", problems, err)
		}
	})
}

// FuzzRun: the whole ResourceList round trip of function mode (krm.Run, which is
// fn.Run(krm.Processor, input) plus a readable result for input the SDK cannot parse).
func FuzzRun(f *testing.F) {
	for _, s := range fuzzSeeds(f, "testdata/error-resourcelist/*/resourcelist.yaml") {
		f.Add(s)
	}
	for _, s := range fuzzSeeds(f, examplePath, "testdata/success/*/config.yaml") {
		f.Add(wrapRL(string(s), unrelated))
		f.Add(wrapRL("", string(s)))
	}
	f.Add([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\n"))
	f.Add([]byte("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults:\n- {message: earlier, severity: error}\n"))
	f.Fuzz(func(t *testing.T, input []byte) {
		out, err := krm.Run(input)
		rl, perr := fn.ParseResourceList(out)
		if perr != nil {
			t.Fatalf("output is not a ResourceList (run error %v): %v\n%.500s", err, perr, out)
		}
		// krm.Run writes the output itself, keeping the item order and head comments the SDK's
		// writer would change; wherever the SDK can read the input, both must hold the same
		// objects and the same results.
		if sdkOut, sdkErr := fn.Run(krm.Processor, input); len(sdkOut) > 0 {
			if (err == nil) != (sdkErr == nil) {
				t.Fatalf("krm.Run error %v, fn.Run error %v", err, sdkErr)
			}
			sdkRL, perr := fn.ParseResourceList(sdkOut)
			if perr != nil {
				t.Fatal(perr)
			}
			if a, b := contents(t, rl), contents(t, sdkRL); !slices.Equal(a, b) {
				t.Fatalf("krm.Run and fn.Run hold different objects or results:\n--- krm.Run\n%.2000s\n--- fn.Run\n%.2000s", out, sdkOut)
			}
		}
		if err == nil {
			for _, r := range rl.Results {
				if r.Severity == fn.Error {
					t.Fatalf("success with an error result: %q", r.Message)
				}
			}
			return
		}
		errorResults := 0
		for _, r := range rl.Results {
			if r.Severity == fn.Error {
				errorResults++
			}
			if len(r.Message) > krm.MaxMessage {
				t.Errorf("result message of %d bytes (bound %d): %.300q", len(r.Message), krm.MaxMessage, r.Message)
			}
		}
		if errorResults == 0 {
			t.Fatalf("failure (%v) without an error result", err)
		}
		// Nothing generated: every output item was an input item. (An input item may carry our
		// labels, from an earlier run; it then passes through unchanged.)
		in := map[string]int{}
		if inRL, err := fn.ParseResourceList(input); err == nil {
			for _, o := range inRL.Items {
				in[o.String()]++
			}
		}
		for _, o := range rl.Items {
			if in[o.String()] == 0 {
				generated := o.GetLabel(meta.LabelManagedBy) == meta.ManagedBy
				t.Fatalf("failed run emitted an item that was not in the input (generated: %v):\n%.500s", generated, o.String())
			}
			in[o.String()]--
		}
	})
}

// contents is what a ResourceList holds, independent of item order and comment placement:
// each item and result as sorted JSON, the list sorted.
func contents(t *testing.T, rl *fn.ResourceList) []string {
	t.Helper()
	var out []string
	for _, o := range rl.Items {
		j, err := sigsyaml.YAMLToJSON([]byte(o.String()))
		if err != nil {
			t.Fatalf("item does not convert: %v", err)
		}
		out = append(out, "item "+string(j))
	}
	for _, r := range rl.Results {
		path := ""
		if r.Field != nil {
			path = r.Field.Path
		}
		out = append(out, fmt.Sprintf("result %s %s %s", r.Severity, path, r.Message))
	}
	slices.Sort(out)
	return out
}
