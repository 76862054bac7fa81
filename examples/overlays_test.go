package examples_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	"github.com/google/go-cmp/cmp"

	"supremeraid.dev/supremeraid-fn/fn/krm"
	"supremeraid.dev/supremeraid-fn/generators/config"
)

// overlayExpectations says what each cluster overlay must make of the shared config. Every
// directory under overlays/ except base needs an entry.
var overlayExpectations = map[string]struct {
	reason       string
	raidLevel    config.RAIDLevel
	drives       int
	pinnedImages bool   // every image the config names is pinned by digest
	golden       string // testdata/golden file; default overlays-<name>.yaml
}{
	// The lab overlay patches the base into the example's config, so it must build exactly what
	// examples/kustomize builds: one golden file for both.
	"lab":        {reason: "lab: RAID5 over four drives", raidLevel: config.RAID5, drives: 4, golden: "kustomize.yaml"},
	"production": {reason: "production: RAID6 over eight drives, images pinned by digest", raidLevel: config.RAID6, drives: 8, pinnedImages: true},
}

// overlayNames lists the cluster overlays (directories of overlays/ other than base).
func overlayNames(t *testing.T) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(repoRoot(t), "overlays"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "base" {
			names = append(names, e.Name())
		}
	}
	if len(names) < 2 {
		t.Fatalf("overlays/ has %v; want at least lab and production", names)
	}
	return names
}

// TestOverlays builds every overlay with the real kustomize, compares with its golden file and
// with the function's rendering of the overlay's patched config, and checks that the overlay
// patches the shared base (kustomize's generator-directory pattern) rather than copying it.
func TestOverlays(t *testing.T) {
	root := repoRoot(t)
	for _, name := range overlayNames(t) {
		t.Run(name, func(t *testing.T) {
			want, ok := overlayExpectations[name]
			if !ok {
				t.Fatalf("overlays/%s has no entry in overlayExpectations", name)
			}
			dir := filepath.Join("overlays", name)
			k := readYAML(t, filepath.Join(root, dir, "kustomization.yaml"))
			gens, _ := get(k, "generators").([]any)
			if len(gens) != 1 {
				t.Fatalf("%s: generators = %v; want one generator directory", dir, gens)
			}
			genDir := filepath.Join(dir, gens[0].(string))
			gk := readYAML(t, filepath.Join(root, genDir, "kustomization.yaml"))
			if diff := cmp.Diff([]any{"../../base"}, get(gk, "resources")); diff != "" {
				t.Errorf("%s must take the config from ../../base (-want +got):\n%s", genDir, diff)
			}
			if patches, _ := get(gk, "patches").([]any); len(patches) == 0 {
				t.Errorf("%s has no patches: an overlay patches the base config", genDir)
			}

			cfgYAML := generatorConfig(t, dir)
			cfg, problems := krm.Load(cfgYAML)
			if len(problems) > 0 {
				t.Fatalf("%s: the patched config is invalid: %v", genDir, problems)
			}
			checkOverlayConfig(t, want.reason, cfg, want.raidLevel, want.drives, want.pinnedImages)

			out := kustomizeBuild(t, dir)
			goldenName := want.golden
			if goldenName == "" {
				goldenName = "overlays-" + name + ".yaml"
			}
			golden(t, goldenName, out)
			checkKustomizeOutput(t, out, cfgYAML)
		})
	}
}

// generatorConfig builds the overlay with the function behind a shim that records the
// ResourceList kustomize hands it, and returns the functionConfig: the patched config exactly
// as the function receives it. (The config is local-config, so no build prints it.)
func generatorConfig(t *testing.T, dir string) []byte {
	t.Helper()
	shim, capture := t.TempDir(), filepath.Join(t.TempDir(), "resourcelist.yaml")
	script := "#!/bin/sh\ntee \"$SUPREMERAID_CAPTURE\" | exec '" + fnBin(t) + "'\n"
	if err := os.WriteFile(filepath.Join(shim, "supremeraid-fn"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	mustRun(t, repoRoot(t), []string{"PATH=" + shim + string(os.PathListSeparator) + toolPath(t), "SUPREMERAID_CAPTURE=" + capture},
		kustomizeBin(t), "build", "--enable-alpha-plugins", "--enable-exec", dir)
	data, err := os.ReadFile(capture)
	if err != nil {
		t.Fatalf("the function was not run: %v", err)
	}
	rl, err := fn.ParseResourceList(data)
	if err != nil {
		t.Fatal(err)
	}
	if rl.FunctionConfig == nil || rl.FunctionConfig.GetKind() != config.Kind {
		t.Fatalf("kustomize passed functionConfig %v; want the SupremeRAID config", rl.FunctionConfig)
	}
	return []byte(rl.FunctionConfig.String())
}

func checkOverlayConfig(t *testing.T, reason string, cfg *config.SupremeRAID, level config.RAIDLevel, drives int, pinned bool) {
	t.Helper()
	groups := cfg.Spec.RAID.DriveGroups
	if len(groups) != 1 || groups[0].RAIDLevel != level || len(groups[0].PhysicalDrives) != drives {
		t.Errorf("%s\ndrive groups = %+v", reason, groups)
	}
	if !pinned {
		return
	}
	images := map[string]string{
		"spec.node.image":             cfg.Spec.Node.Image,
		"spec.driver.installer.image": cfg.Spec.Driver.Installer.Image,
	}
	for _, f := range sortedKeys(images) {
		if !strings.Contains(images[f], "@sha256:") {
			t.Errorf("%s\n%s = %q is not pinned by digest", reason, f, images[f])
		}
	}
	if cfg.Spec.Driver.Installer.URL != "" {
		t.Errorf("%s\nthe installer comes from a URL (%s), which no digest pins", reason, cfg.Spec.Driver.Installer.URL)
	}
}

// TestOverlayBase checks the shared config: one SupremeRAID object, local-config (never applied
// by anything that builds the base directly), whose function is found on PATH, so every overlay
// builds the same way on a workstation and in the Argo CD sidecar.
func TestOverlayBase(t *testing.T) {
	root := repoRoot(t)
	k := readYAML(t, filepath.Join(root, "overlays", "base", "kustomization.yaml"))
	if diff := cmp.Diff([]any{"supremeraid.yaml"}, get(k, "resources")); diff != "" {
		t.Errorf("overlays/base resources (-want +got):\n%s", diff)
	}
	if out := kustomizeBuild(t, filepath.Join("overlays", "base")); len(out) != 0 {
		t.Errorf("kustomize build overlays/base prints objects; the config must stay local:\n%s", out)
	}
	spec := functionSpec(t, filepath.Join(root, "overlays", "base", "supremeraid.yaml"))
	if spec.Exec.Path != "supremeraid-fn" || spec.Container.Image != "" {
		t.Errorf("overlays/base function = %+v; want exec supremeraid-fn (looked up on PATH)", spec)
	}
}
