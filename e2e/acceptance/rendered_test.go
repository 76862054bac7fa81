package acceptance

import (
	"context"
	"testing"

	"supremeraid.dev/supremeraid-fn/e2e/apply"
	"supremeraid.dev/supremeraid-fn/e2e/binaries"
	"supremeraid.dev/supremeraid-fn/e2e/render"
)

// TestRenderedOutputsApply renders every example config
// (examples/**/supremeraid.yaml, with `supremeraid-fn render`) and every
// overlay (overlays/*, with `kustomize build --enable-alpha-plugins
// --enable-exec`) and applies each full output to the API server: every
// object accepted under strict validation and stored as rendered.
func TestRenderedOutputsApply(t *testing.T) {
	root, err := binaries.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cases, err := render.Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatalf("no example configs (examples/**/%s) and no overlays (overlays/*/) under %s: the cluster e2e has nothing of the product's to prove",
			render.ConfigFile, root)
	}
	need := []binaries.Tool{binaries.SupremeRAIDFn}
	for _, c := range cases {
		if c.Kind == render.Overlay {
			need = append(need, binaries.Kustomize)
			break
		}
	}
	paths := binaries.Require(t, need...)
	tools := render.Tools{Fn: paths[0]}
	if len(paths) > 1 {
		tools.Kustomize = paths[1]
	}
	_, applier := cluster(t)
	for _, c := range cases {
		t.Run(c.Name(), func(t *testing.T) {
			out, err := c.Render(context.Background(), root, tools)
			if err != nil {
				t.Fatal(err)
			}
			objs, err := apply.Decode(out, c.Name())
			if err != nil {
				t.Fatalf("rendered output is not a clean object stream: %v", err)
			}
			if len(objs) == 0 {
				t.Fatalf("%s rendered no objects", c.Name())
			}
			t.Logf("%s rendered %d objects", c.Name(), len(objs))
			applyAll(t, applier, objs)
		})
	}
}
