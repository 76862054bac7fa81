package examples_test

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"strings"
	"supremeraid.dev/supremeraid-fn/generators/opa"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	"github.com/google/go-cmp/cmp"

	"supremeraid.dev/supremeraid-fn/fn/krm"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// kptGolden holds the files `kpt fn render` adds to examples/kpt: testdata/golden/kpt/<file>.
const kptGolden = "testdata/golden/kpt"

// TestKptRender renders a copy of examples/kpt twice, as the README does: the first run must
// leave the input files alone and add the golden files, every generated object filed by family;
// the second must change no byte.
func TestKptRender(t *testing.T) {
	kpt, env := kptBin(t), []string{"PATH=" + toolPath(t)}
	src := filepath.Join(repoRoot(t), "examples", "kpt")
	work := t.TempDir()
	pkg := filepath.Join(work, "kpt")
	copyDir(t, src, pkg)

	mustRun(t, work, env, kpt, "fn", "render", "--allow-exec", "kpt")
	first := readTree(t, pkg)
	input := readTree(t, src)
	checkKptPackage(t, input, first)
	goldenTree(t, kptGolden, added(input, first))

	mustRun(t, work, env, kpt, "fn", "render", "--allow-exec", "kpt")
	if diff := cmp.Diff(first, readTree(t, pkg)); diff != "" {
		t.Errorf("a second kpt fn render changed the package (-first +second):\n%s", diff)
	}
}

// TestKptEval runs the function imperatively on a copy of examples/kpt (the config is the one
// SupremeRAID object in the package, no --fn-config): the result is the rendered package, and
// a second run changes nothing.
func TestKptEval(t *testing.T) {
	kpt, env := kptBin(t), []string{"PATH=" + toolPath(t)}
	work := t.TempDir()
	pkg := filepath.Join(work, "kpt")
	copyDir(t, filepath.Join(repoRoot(t), "examples", "kpt"), pkg)

	mustRun(t, work, env, kpt, "fn", "eval", "--exec", "supremeraid-fn", "kpt")
	first := readTree(t, pkg)
	input := readTree(t, filepath.Join(repoRoot(t), "examples", "kpt"))
	checkKptPackage(t, input, first)
	if diff := cmp.Diff(readTree(t, kptGolden), added(input, first)); diff != "" {
		t.Errorf("kpt fn eval wrote other files than kpt fn render (%s) (-render +eval):\n%s", kptGolden, diff)
	}
	mustRun(t, work, env, kpt, "fn", "eval", "--exec", "supremeraid-fn", "kpt")
	if diff := cmp.Diff(first, readTree(t, pkg)); diff != "" {
		t.Errorf("a second kpt fn eval changed the package (-first +second):\n%s", diff)
	}
}

// checkKptPackage asserts what holds for any set of generator families: the input files are
// untouched, and the generated files hold exactly the function's rendering of the config, one
// file per component label, in emission order, without the annotations kpt uses internally.
func checkKptPackage(t *testing.T, input, rendered map[string]string) {
	t.Helper()
	for name, data := range input {
		if rendered[name] != data {
			t.Errorf("kpt fn render changed the input file %s", name)
		}
	}
	docs, _, problems, err := krm.Render([]byte(input["supremeraid.yaml"]))
	if len(problems) > 0 || err != nil {
		t.Fatalf("rendering the config in-process: %v %v", problems, err)
	}
	cfg, err := fn.ParseKubeObject([]byte(input["supremeraid.yaml"]))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{} // file -> object ids in emission order
	for _, d := range docs {
		o, err := fn.ParseKubeObject(d)
		if err != nil {
			t.Fatal(err)
		}
		file := path.Join(krm.GeneratedDir, cfg.GetName(), o.GetLabel(meta.LabelComponent)+".yaml")
		want[file] = append(want[file], objectID(o))
	}
	got := map[string][]string{}
	var all bytes.Buffer
	for name, data := range rendered {
		if _, ok := input[name]; ok {
			continue
		}
		// The chart-values ConfigMap is local-config on purpose (kept in the package, never applied).
		if strings.Contains(strings.ReplaceAll(data, opa.LocalConfigAnnotation+`: "true"`, ""), "config.kubernetes.io/") {
			t.Errorf("%s carries kpt's annotations:\n%s", name, data)
		}
		for _, d := range splitDocs([]byte(data)) {
			o, err := fn.ParseKubeObject([]byte(d))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			got[name] = append(got[name], objectID(o))
		}
		all.WriteString("---\n" + data)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("generated files (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(objectsByID(t, bytes.Join(docs, []byte("---\n"))), objectsByID(t, all.Bytes())); diff != "" {
		t.Errorf("generated objects differ from the function's rendering (-render +package):\n%s", diff)
	}
}

// added returns the files of tree that are not in input.
func added(input, tree map[string]string) map[string]string {
	out := map[string]string{}
	for name, data := range tree {
		if _, ok := input[name]; !ok {
			out[name] = data
		}
	}
	return out
}

func objectID(o *fn.KubeObject) string {
	return o.GetAPIVersion() + "/" + o.GetKind() + "/" + o.GetNamespace() + "/" + o.GetName()
}

// goldenTree compares a package tree with the golden directory, rewriting the directory (stale
// files removed) under UPDATE_GOLDEN=1.
func goldenTree(t *testing.T, dir string, got map[string]string) {
	t.Helper()
	if updateGolden {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		for name, data := range got {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !fileExists(dir) {
		t.Fatalf("%s does not exist (run with UPDATE_GOLDEN=1 to create it)", dir)
	}
	if diff := cmp.Diff(readTree(t, dir), got); diff != "" {
		t.Errorf("package differs from %s (-want +got; UPDATE_GOLDEN=1 rewrites it after review):\n%s", dir, diff)
	}
}

// TestKptErrorsShowFieldPaths renders a package whose config is broken: kpt must fail, leave
// the package alone, and show every problem with its field path both on stderr and in the
// structured results (field.path, file.path).
func TestKptErrorsShowFieldPaths(t *testing.T) {
	kpt, env := kptBin(t), []string{"PATH=" + toolPath(t)}
	src, err := filepath.Abs(filepath.Join("testdata", "errors", "kpt"))
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	pkg, results := filepath.Join(work, "broken"), filepath.Join(work, "results")
	copyDir(t, src, pkg)
	if err := os.Mkdir(results, 0o755); err != nil {
		t.Fatal(err)
	}
	r := run(t, work, env, kpt, "fn", "render", "--allow-exec", "--results-dir", results, "broken")
	if r.err == nil {
		t.Fatalf("kpt fn render of a broken config succeeded:\n%s", r.stderr)
	}
	for _, want := range brokenConfigProblems {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("kpt's stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	if diff := cmp.Diff(readTree(t, src), readTree(t, pkg)); diff != "" {
		t.Errorf("a failed render changed the package (-before +after):\n%s", diff)
	}

	list := readYAML(t, filepath.Join(results, "results.yaml"))
	var got []string
	for i := 0; get(list, "items", 0, "results", i) != nil; i++ {
		res := get(list, "items", 0, "results", i)
		got = append(got, strings.Join([]string{
			str(get(res, "severity")), str(get(res, "field", "path")), str(get(res, "file", "path")),
			str(get(res, "resourceRef", "kind")) + "/" + str(get(res, "resourceRef", "name")),
		}, " "))
	}
	want := []string{
		"error spec.raid.driveGroups[0].physicalDrives broken.yaml SupremeRAID/graid",
		"error spec.raid.driveGroups[0].virtualDrives[0].mountPath broken.yaml SupremeRAID/graid",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("kpt results (severity field file resource) (-want +got):\n%s", diff)
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

// TestKptContainerVariant checks the image variant of the package (not run: it needs a
// container runtime): the same Kptfile with `image:` for `exec:`, and the same config.
func TestKptContainerVariant(t *testing.T) {
	root := repoRoot(t)
	execK := readYAML(t, filepath.Join(root, "examples", "kpt", "Kptfile"))
	imageK := readYAML(t, filepath.Join(root, "examples", "kpt-container", "Kptfile"))
	if got := get(execK, "pipeline", "mutators", 0, "exec"); got != "supremeraid-fn" {
		t.Errorf("examples/kpt runs exec %v; want supremeraid-fn (found on PATH from any directory)", got)
	}
	if got := get(imageK, "pipeline", "mutators", 0, "image"); got != functionImage {
		t.Errorf("examples/kpt-container runs image %v; want %s", got, functionImage)
	}
	m := get(execK, "pipeline", "mutators", 0).(map[string]any)
	delete(m, "exec")
	m["image"] = functionImage
	if diff := cmp.Diff(execK, imageK); diff != "" {
		t.Errorf("the two Kptfiles differ beyond exec/image (-kpt +kpt-container):\n%s", diff)
	}
	if got := get(execK, "pipeline", "mutators", 0, "configPath"); got != "supremeraid.yaml" {
		t.Errorf("configPath = %v, want supremeraid.yaml", got)
	}
}
