package examples_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"supremeraid.dev/supremeraid-fn/generators/opa"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/kustomize/kyaml/fn/runtime/runtimeutil"
	kyaml "sigs.k8s.io/kustomize/kyaml/yaml"
	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/fn/krm"
)

// functionImage is the released function image the container variants run (Dockerfile target
// function).
const functionImage = "quay.io/supremeraid-fn/supremeraid-fn:v0.1.0"

// kustomizeBuild runs `kustomize build --enable-alpha-plugins --enable-exec dir` exactly as the
// README does, with the fn and kustomize directories first on PATH.
func kustomizeBuild(t *testing.T, dir string) []byte {
	t.Helper()
	return []byte(mustRun(t, repoRoot(t), []string{"PATH=" + toolPath(t)},
		kustomizeBin(t), "build", "--enable-alpha-plugins", "--enable-exec", dir))
}

// TestKustomizeExample builds examples/kustomize as it is (its exec path is
// ../../bin/supremeraid-fn, relative to the kustomization) and compares with the golden file
// and with the function's own rendering of the config.
func TestKustomizeExample(t *testing.T) {
	root := repoRoot(t)
	// The example names its binary itself; it must be the one checked for freshness.
	if bin := filepath.Join(root, "bin", "supremeraid-fn"); fnBin(t) != bin {
		missingTool(t, "examples/kustomize runs %s, but the tests use SUPREMERAID_FN=%s", bin, fnBin(t))
	}
	out := kustomizeBuild(t, "examples/kustomize")
	golden(t, "kustomize.yaml", out)
	cfg, err := os.ReadFile(filepath.Join(root, "examples", "kustomize", "supremeraid.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	checkKustomizeOutput(t, out, cfg)
}

// checkKustomizeOutput asserts what must hold for any set of generator families: kustomize
// passed on exactly the objects the function renders from cfg, unchanged, and leaked none of
// the orchestrators' annotations nor the (local) config itself.
func checkKustomizeOutput(t *testing.T, out, cfg []byte) {
	t.Helper()
	for _, leak := range []*regexp.Regexp{
		regexp.MustCompile(`config\.kubernetes\.io/`), // path, index, local-config, function, internal.*
		regexp.MustCompile(`config\.k8s\.io/`),        // kustomize's resource ids
		regexp.MustCompile(`(?m)^kind: SupremeRAID$`),
	} {
		if loc := leak.FindIndex(out); loc != nil {
			t.Errorf("kustomize output contains %q: ...%s...", leak, out[max(0, loc[0]-200):min(len(out), loc[1]+50)])
		}
	}
	docs, _, problems, err := krm.Render(cfg)
	if len(problems) > 0 || err != nil {
		t.Fatalf("rendering the config in-process: %v %v", problems, err)
	}
	want := objectsByID(t, bytes.Join(docs, []byte("---\n")))
	// kustomize leaves local-config objects out of what gets applied: the chart-values
	// ConfigMap is one on purpose (it is for kpt packages and `helm --values`).
	for id, o := range want {
		if get(o, "metadata", "annotations", opa.LocalConfigAnnotation) == "true" {
			delete(want, id)
		}
	}
	got := objectsByID(t, out)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kustomize output is not the function's rendering of the config (-render +kustomize):\n%s", diff)
	}
}

// objectsByID parses a YAML stream into objects keyed by apiVersion/kind/namespace/name,
// failing on duplicates.
func objectsByID(t *testing.T, stream []byte) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, doc := range splitDocs(stream) {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatalf("parsing %q: %v", doc, err)
		}
		id := fmt.Sprintf("%v/%v/%v/%v", m["apiVersion"], m["kind"], get(m, "metadata", "namespace"), get(m, "metadata", "name"))
		if _, dup := out[id]; dup {
			t.Errorf("%s appears twice", id)
		}
		out[id] = m
	}
	return out
}

// splitDocs splits a YAML stream at document markers, dropping empty documents.
func splitDocs(stream []byte) []string {
	var docs []string
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(stream), -1) {
		if strings.TrimSpace(d) != "" {
			docs = append(docs, d)
		}
	}
	return docs
}

// TestKustomizeErrorsShowFieldPaths checks that a broken config fails the build and that every
// problem reaches the user on kustomize's stderr with its field path and the rule it broke.
func TestKustomizeErrorsShowFieldPaths(t *testing.T) {
	dir, err := filepath.Abs(filepath.Join("testdata", "errors", "kustomize"))
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, repoRoot(t), []string{"PATH=" + toolPath(t)},
		kustomizeBin(t), "build", "--enable-alpha-plugins", "--enable-exec", dir)
	if r.err == nil {
		t.Fatalf("kustomize build of a broken config succeeded:\n%s", r.stdout)
	}
	if r.stdout != "" {
		t.Errorf("kustomize printed manifests for a broken config:\n%s", r.stdout)
	}
	for _, want := range brokenConfigProblems {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
}

// brokenConfigProblems are the problems of testdata/errors/*/broken.yaml, as printed.
var brokenConfigProblems = []string{
	"spec.raid.driveGroups[0].physicalDrives: Invalid value: 3: raid6 needs at least 4 drives, got 3",
	`spec.raid.driveGroups[0].virtualDrives[0].mountPath: Invalid value: "var/mnt/vd0": must be an absolute path`,
}

// TestKustomizeContainerVariant checks the container variant, which needs a container runtime
// and so is not run here: kustomize's own parser must read its function annotation as the
// released image, and the config must be the exec example's, annotation aside.
func TestKustomizeContainerVariant(t *testing.T) {
	root := repoRoot(t)
	k := readYAML(t, filepath.Join(root, "examples", "kustomize-container", "kustomization.yaml"))
	if diff := cmp.Diff([]any{"supremeraid.yaml"}, get(k, "generators")); diff != "" {
		t.Errorf("kustomize-container generators (-want +got):\n%s", diff)
	}
	spec := functionSpec(t, filepath.Join(root, "examples", "kustomize-container", "supremeraid.yaml"))
	if spec.Container.Image != functionImage || spec.Exec.Path != "" {
		t.Errorf("kustomize-container function = %+v; want container image %s and no exec", spec, functionImage)
	}
	if spec.Container.Network || len(spec.Container.StorageMounts) > 0 {
		t.Errorf("the function needs neither network nor mounts; got %+v", spec.Container)
	}
	exec := functionSpec(t, filepath.Join(root, "examples", "kustomize", "supremeraid.yaml"))
	if exec.Exec.Path != "../../bin/supremeraid-fn" || exec.Container.Image != "" {
		t.Errorf("examples/kustomize function = %+v; want exec ../../bin/supremeraid-fn", exec)
	}
}

// functionSpec reads a config's config.kubernetes.io/function annotation with kustomize's parser.
func functionSpec(t *testing.T, path string) *runtimeutil.FunctionSpec {
	t.Helper()
	n, err := kyaml.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := runtimeutil.GetFunctionSpec(n)
	if err != nil || spec == nil {
		t.Fatalf("%s: no function spec (%v)", path, err)
	}
	return spec
}

// TestExampleConfigsAgree keeps the copies of the example config identical: every variant
// differs from examples/kustomize only in how the function is run.
func TestExampleConfigsAgree(t *testing.T) {
	root := repoRoot(t)
	want := readYAML(t, filepath.Join(root, "examples", "kustomize", "supremeraid.yaml"))
	for _, v := range []string{"kustomize-container", "kpt", "kpt-container"} {
		got := readYAML(t, filepath.Join(root, "examples", v, "supremeraid.yaml"))
		for _, m := range []map[string]any{want, got} {
			delete(m["metadata"].(map[string]any), "annotations")
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("examples/%s/supremeraid.yaml differs from examples/kustomize/supremeraid.yaml (-want +got):\n%s", v, diff)
		}
	}
}

// sortedKeys returns the keys of m in order (for stable messages).
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
