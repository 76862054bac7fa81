package krm_test

// Output must depend on the config's meaning only: the same config renders to the same bytes
// every time (no map iteration, no clock, no shared state between runs), and neither the order
// of keys in the config, its YAML style, nor the order of the input items changes the output.

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/yaml"

	"supremeraid.dev/supremeraid-fn/fn/krm"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

const determinismRenders = 50

func renderBytes(t *testing.T, config []byte) []byte {
	t.Helper()
	docs, _, problems, err := krm.Render(config)
	if len(problems) > 0 || err != nil {
		t.Fatalf("Render: problems %v, err %v", problems, err)
	}
	return bytes.Join(docs, []byte("---\n"))
}

// TestRenderIsByteIdentical renders the large config 50 times, on every core at once, so
// state shared between runs (a package-level slice a generator appends to, a cache) shows up
// as a difference too.
func TestRenderIsByteIdentical(t *testing.T) {
	config := largeConfig()
	want := renderBytes(t, config)
	if n := bytes.Count(want, []byte("\nkind: ")) + 1; n < 10 {
		t.Fatalf("the large config rendered only %d objects", n)
	}
	outs := make([][]byte, determinismRenders)
	errs := make([]error, determinismRenders)
	var wg sync.WaitGroup
	work := make(chan int)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				docs, _, problems, err := krm.Render(config)
				if len(problems) > 0 {
					err = fmt.Errorf("problems: %v", problems)
				}
				outs[i], errs[i] = bytes.Join(docs, []byte("---\n")), err
			}
		}()
	}
	for i := 0; i < determinismRenders; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	for i := range outs {
		if errs[i] != nil {
			t.Fatalf("render %d: %v", i+1, errs[i])
		}
		if !bytes.Equal(outs[i], want) {
			t.Fatalf("render %d of %d differs from the first:\n%s", i+1, determinismRenders, firstDiff(want, outs[i]))
		}
	}
}

// TestRoundTripIsByteIdentical does the same through the whole ResourceList round trip (a few
// times: the renders above already cover the generators 50 times).
func TestRoundTripIsByteIdentical(t *testing.T) {
	input := wrapRL(string(largeConfig()), unrelatedItems(20)...)
	want, err := krm.Run(input)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		got, err := krm.Run(input)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("round trip %d differs from the first:\n%s", i+2, firstDiff(want, got))
		}
	}
}

// TestConfigLayoutDoesNotMatter rewrites the config with its mapping keys shuffled at every level
// (nodeSelector entries included) and its scalars and collections in random YAML styles (flow or
// block, quoted or plain strings), and requires the exact same output.
func TestConfigLayoutDoesNotMatter(t *testing.T) {
	for _, tc := range []struct {
		reason string
		config []byte
	}{
		{"the README example", readExample(t)},
		{"the large config (two nodeSelector entries, 1,000 virtual drives and tenants)", largeConfig()},
		{"the full golden config", mustReadFile(t, "testdata/success/full/config.yaml")},
	} {
		want := renderBytes(t, tc.config)
		for seed := uint64(1); seed <= 5; seed++ {
			shuffled := reshape(t, tc.config, seed)
			if bytes.Equal(shuffled, tc.config) {
				t.Fatalf("%s: seed %d left the config unchanged", tc.reason, seed)
			}
			if got := renderBytes(t, shuffled); !bytes.Equal(got, want) {
				t.Fatalf("%s: reshaped with seed %d, the output differs:\n%s\nreshaped config starts:\n%.1500s", tc.reason, seed, firstDiff(want, got), shuffled)
			}
		}
	}
}

// TestInputOrderDoesNotMatter shuffles the unrelated items around the config: the generated
// objects (content and order) must not change, and the input items must come out as they went in.
// A config with two drive groups and a few tenants keeps the eight round trips quick.
func TestInputOrderDoesNotMatter(t *testing.T) {
	items := unrelatedItems(50)
	config := string(scaledConfig(2, 6, 5))
	want, err := krm.Run(wrapRL(config, items...))
	if err != nil {
		t.Fatal(err)
	}
	wantGenerated := generatedItems(t, want)
	for seed := uint64(1); seed <= 5; seed++ {
		shuffled := append([]string(nil), items...)
		rand.New(rand.NewPCG(seed, 0)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		input := wrapRL(config, shuffled...)
		got, err := krm.Run(input)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantGenerated, generatedItems(t, got)); diff != "" {
			t.Fatalf("items shuffled with seed %d: generated objects differ (-want +got):\n%.3000s", seed, diff)
		}
		if diff := cmp.Diff(inputItems(t, input), passedThrough(t, got)); diff != "" {
			t.Fatalf("items shuffled with seed %d: input items did not pass through as they came (-want +got):\n%.3000s", seed, diff)
		}
	}
	// The config as the one SupremeRAID item (kpt fn eval without --fn-config), anywhere among
	// the items: the generated objects are the same.
	for _, at := range []int{0, 25, 50} {
		withConfig := append(append(append([]string(nil), items[:at]...), config), items[at:]...)
		got, err := krm.Run(wrapRL("", withConfig...))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(wantGenerated, generatedItems(t, got)); diff != "" {
			t.Fatalf("config as item %d: generated objects differ (-want +got):\n%.3000s", at, diff)
		}
	}
}

func inputItems(t *testing.T, input []byte) []string {
	t.Helper()
	rl, err := fn.ParseResourceList(input)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range rl.Items {
		out = append(out, o.String())
	}
	return out
}

func passedThrough(t *testing.T, out []byte) []string {
	t.Helper()
	rl, err := fn.ParseResourceList(out)
	if err != nil {
		t.Fatal(err)
	}
	var items []string
	for _, o := range rl.Items {
		if o.GetLabel(meta.LabelManagedBy) != meta.ManagedBy {
			items = append(items, o.String())
		}
	}
	return items
}

func generatedItems(t *testing.T, out []byte) []string {
	t.Helper()
	rl, err := fn.ParseResourceList(out)
	if err != nil {
		t.Fatal(err)
	}
	var gen []string
	for _, o := range rl.Items {
		if o.GetLabel(meta.LabelManagedBy) == meta.ManagedBy {
			gen = append(gen, o.String())
		}
	}
	if len(gen) == 0 {
		t.Fatal("no generated items in the output")
	}
	return gen
}

// reshape re-encodes a YAML document with mapping keys shuffled and styles varied at random.
func reshape(t *testing.T, doc []byte, seed uint64) []byte {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal(doc, &n); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 42))
	var walk func(*yaml.Node)
	walk = func(n *yaml.Node) {
		n.HeadComment, n.LineComment, n.FootComment = "", "", ""
		switch n.Kind {
		case yaml.MappingNode:
			pairs := len(n.Content) / 2
			rng.Shuffle(pairs, func(i, j int) {
				n.Content[2*i], n.Content[2*j] = n.Content[2*j], n.Content[2*i]
				n.Content[2*i+1], n.Content[2*j+1] = n.Content[2*j+1], n.Content[2*i+1]
			})
			n.Style = []yaml.Style{0, yaml.FlowStyle}[rng.IntN(2)]
		case yaml.SequenceNode:
			n.Style = []yaml.Style{0, yaml.FlowStyle}[rng.IntN(2)]
		case yaml.ScalarNode:
			// Only strings can change quoting without changing type; a block scalar (| or >)
			// keeps its style because its trailing newline is part of the value. A string the
			// author quoted stays quoted: plain `off` or `1.10` would be another type to the
			// YAML 1.1 reader (the decoder's), and that is the author's business, not ours.
			quoted := n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0
			if n.Tag == "!!str" && n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 && !strings.Contains(n.Value, "\n") {
				styles := []yaml.Style{0, yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle}
				if quoted {
					styles = styles[1:]
				}
				n.Style = styles[rng.IntN(len(styles))]
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&n)
	out, err := yaml.Marshal(&n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// firstDiff shows the first differing line of two outputs with a little context.
func firstDiff(a, b []byte) string {
	al, bl := strings.Split(string(a), "\n"), strings.Split(string(b), "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n  want: %.300s\n  got:  %.300s", i+1, x, y)
		}
	}
	return "(no line differs)"
}

func mustReadFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
