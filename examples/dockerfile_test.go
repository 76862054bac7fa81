package examples_test

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	"github.com/google/go-cmp/cmp"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
	"supremeraid.dev/supremeraid-fn/internal/dockerfiletest"
)

// No container engine runs here, so the Dockerfile is checked with BuildKit's own parser and
// linter, and what its stages run (the go build, the binary as entrypoint) is run directly.

// dockerfile is the parsed top-level Dockerfile.
type dockerfile struct {
	stages map[string]instructions.Stage
	order  []string
	meta   map[string]string // global ARG defaults
}

func parseRootDockerfile(t *testing.T) dockerfile {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	_, stages, metaArgs := dockerfiletest.Parse(t, string(text))
	d := dockerfile{stages: map[string]instructions.Stage{}, meta: map[string]string{}}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			d.meta[kv.Key] = kv.ValueString()
		}
	}
	for _, s := range stages {
		d.stages[s.Name] = s
		d.order = append(d.order, s.Name)
	}
	return d
}

func (d dockerfile) stage(t *testing.T, name string) instructions.Stage {
	t.Helper()
	s, ok := d.stages[name]
	if !ok {
		t.Fatalf("the Dockerfile has no stage %q (stages: %v)", name, d.order)
	}
	return s
}

// stageArgs returns the defaults of a stage's own ARG instructions.
func stageArgs(s instructions.Stage) map[string]string {
	out := map[string]string{}
	for _, c := range s.Commands {
		if a, ok := c.(*instructions.ArgCommand); ok {
			for _, kv := range a.Args {
				out[kv.Key] = kv.ValueString()
			}
		}
	}
	return out
}

func commandsOf[C any](s instructions.Stage) []C {
	var out []C
	for _, c := range s.Commands {
		if c, ok := c.(C); ok {
			out = append(out, c)
		}
	}
	return out
}

// copies maps each destination of a stage's COPY instructions to "<from>:<source>" (from empty
// for the build context).
func copies(s instructions.Stage) map[string]string {
	out := map[string]string{}
	for _, c := range commandsOf[*instructions.CopyCommand](s) {
		for _, src := range c.SourcePaths {
			dest := c.DestPath
			if strings.HasSuffix(dest, "/") {
				dest += filepath.Base(src)
			}
			out[dest] = c.From + ":" + src
		}
	}
	return out
}

var pinnedImage = regexp.MustCompile(`^[a-z0-9.-]+(:[0-9]+)?/[a-z0-9._/-]+(:[A-Za-z0-9_][A-Za-z0-9_.-]*)?(@sha256:[0-9a-f]{64})?$`)

// TestDockerfileStages checks the stages and what every image is built from.
func TestDockerfileStages(t *testing.T) {
	d := parseRootDockerfile(t)
	if diff := cmp.Diff([]string{"build", "kustomize", "function", "cmp"}, d.order); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	for _, name := range d.order {
		base := os.Expand(d.stages[name].BaseName, func(k string) string { return d.meta[k] })
		if _, isStage := d.stages[base]; isStage {
			continue
		}
		tagged := strings.Contains(base[strings.LastIndex(base, "/")+1:], ":") || strings.Contains(base, "@sha256:")
		if !pinnedImage.MatchString(base) || !tagged || strings.HasSuffix(base, ":latest") {
			t.Errorf("stage %s is FROM %q: want a fully qualified image with a version tag or digest", name, base)
		}
	}
	// The Go the images are built with is the Go the module declares.
	if goMod := goDirective(t); !strings.HasPrefix(goMod, d.meta["GO_VERSION"]) {
		t.Errorf("GO_VERSION=%s but go.mod says go %s", d.meta["GO_VERSION"], goMod)
	}
}

func goDirective(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^go ([0-9.]+)$`).FindSubmatch(data)
	if m == nil {
		t.Fatal("go.mod has no go directive")
	}
	return string(m[1])
}

// TestDockerfileFunctionImage checks the function image: the static binary alone on distroless
// static, a non-root user, the binary as exec-form entrypoint (so kustomize's and kpt's
// `docker run -i IMAGE` speak ResourceList on stdin/stdout), and OCI labels with the version.
func TestDockerfileFunctionImage(t *testing.T) {
	d := parseRootDockerfile(t)
	s := d.stage(t, "function")
	if !strings.HasPrefix(s.BaseName, "gcr.io/distroless/static-debian12:nonroot") {
		t.Errorf("function image is FROM %s; want distroless static, nonroot", s.BaseName)
	}
	if diff := cmp.Diff(map[string]string{"/usr/local/bin/supremeraid-fn": "build:/out/supremeraid-fn"}, copies(s)); diff != "" {
		t.Errorf("function image content (-want +got):\n%s", diff)
	}
	if runs := commandsOf[*instructions.RunCommand](s); len(runs) > 0 {
		t.Errorf("the function stage RUNs %v; distroless has no shell", runs[0].CmdLine)
	}
	checkUser(t, s, func(u string) bool { return u != "" && !strings.HasPrefix(u, "0") && !strings.HasPrefix(u, "root") })
	eps := commandsOf[*instructions.EntrypointCommand](s)
	if len(eps) != 1 || eps[0].PrependShell || !slices.Equal(eps[0].CmdLine, []string{"/usr/local/bin/supremeraid-fn"}) {
		t.Errorf("function ENTRYPOINT = %+v; want exec form [/usr/local/bin/supremeraid-fn]", eps)
	}
	if cmds := commandsOf[*instructions.CmdCommand](s); len(cmds) > 0 {
		t.Errorf("function image has CMD %v: any argument would turn the KRM function into a subcommand", cmds[0].CmdLine)
	}
	checkLabels(t, s, "supremeraid-fn")
}

// TestDockerfileCMPImage checks the Argo CD plugin sidecar image against the plugin config and
// the ArgoCD patch: plugin.yaml where the cmp server reads it, kustomize (the tested release)
// and supremeraid-fn on PATH under the names plugin.yaml and the overlays call, user 999 in
// group 0.
func TestDockerfileCMPImage(t *testing.T) {
	root := repoRoot(t)
	d := parseRootDockerfile(t)
	s := d.stage(t, "cmp")
	got := copies(s)
	want := map[string]string{
		"/home/argocd/cmp-server/config/plugin.yaml": ":examples/argocd/plugin.yaml",
		"/usr/local/bin/kustomize":                   "kustomize:/out/kustomize",
		"/usr/local/bin/supremeraid-fn":              "build:/out/supremeraid-fn",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("cmp image content (-want +got):\n%s", diff)
	}
	if !fileExists(filepath.Join(root, "examples", "argocd", "plugin.yaml")) {
		t.Error("the cmp image copies examples/argocd/plugin.yaml, which does not exist")
	}
	// Every program plugin.yaml runs, and the function the overlays exec, is in /usr/local/bin.
	p := readPlugin(t)
	progs := []string{p.Spec.Generate.argv()[0], functionSpec(t, filepath.Join(root, "overlays", "base", "supremeraid.yaml")).Exec.Path}
	if f := p.Spec.Discover.Find.argv(); len(f) > 0 {
		progs = append(progs, f[0])
	}
	for _, prog := range progs {
		if _, ok := got["/usr/local/bin/"+prog]; !ok {
			t.Errorf("plugin or overlay runs %q, which the cmp image does not put in /usr/local/bin", prog)
		}
	}
	checkUser(t, s, func(u string) bool { return u == "999:0" || u == "999" })
	checkLabels(t, s, "supremeraid-fn-argocd-cmp")

	// kustomize in the image is the release the tests run.
	k := d.stage(t, "kustomize")
	if v := stageArgs(k)["KUSTOMIZE_VERSION"]; v != makefileVar(t, "KUSTOMIZE_VERSION") {
		t.Errorf("the image builds kustomize %s; the Makefile (and so the tests) use %s", v, makefileVar(t, "KUSTOMIZE_VERSION"))
	}
	if v := stageArgs(s)["KUSTOMIZE_VERSION"]; v != stageArgs(k)["KUSTOMIZE_VERSION"] {
		t.Errorf("cmp stage labels kustomize %s but builds %s", v, stageArgs(k)["KUSTOMIZE_VERSION"])
	}
	runs := commandsOf[*instructions.RunCommand](k)
	if len(runs) != 1 || !strings.Contains(strings.Join(runs[0].CmdLine, " "), "go install") ||
		!strings.Contains(strings.Join(runs[0].CmdLine, " "), "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}") ||
		!strings.Contains(strings.Join(runs[0].CmdLine, " "), "CGO_ENABLED=0") {
		t.Errorf("kustomize stage RUN = %v; want a static go install of sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}", runs)
	}
}

func checkUser(t *testing.T, s instructions.Stage, ok func(string) bool) {
	t.Helper()
	users := commandsOf[*instructions.UserCommand](s)
	if len(users) == 0 || !ok(users[len(users)-1].User) {
		t.Errorf("stage %s runs as %+v", s.Name, users)
	}
}

func checkLabels(t *testing.T, s instructions.Stage, title string) {
	t.Helper()
	labels := map[string]string{}
	for _, l := range commandsOf[*instructions.LabelCommand](s) {
		for _, kv := range l.Labels {
			labels[kv.Key] = strings.Trim(kv.Value, `"`)
		}
	}
	if labels["org.opencontainers.image.title"] != title || labels["org.opencontainers.image.version"] != "${VERSION}" ||
		labels["org.opencontainers.image.description"] == "" || labels["org.opencontainers.image.licenses"] == "" {
		t.Errorf("stage %s labels = %v; want OCI title %q, description, licenses and version ${VERSION}", s.Name, labels, title)
	}
	if _, ok := stageArgs(s)["VERSION"]; !ok {
		t.Errorf("stage %s labels ${VERSION} without declaring ARG VERSION in the stage", s.Name)
	}
}

// TestDockerfileBuildContext checks that the build stage copies every directory holding a
// package (or an embedded file) of the binary, and that .dockerignore keeps none of what the
// stages copy out of the context.
func TestDockerfileBuildContext(t *testing.T) {
	root := repoRoot(t)
	d := parseRootDockerfile(t)
	var sources []string
	for _, name := range d.order {
		for _, src := range copies(d.stages[name]) {
			if from, path, _ := strings.Cut(src, ":"); from == "" {
				sources = append(sources, strings.TrimSuffix(path, "/"))
			}
		}
	}
	for _, want := range []string{"go.mod", "go.sum"} {
		if !slices.Contains(sources, want) {
			t.Errorf("the build does not copy %s", want)
		}
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		missingTool(t, "go is not on PATH")
	}
	// Every package of this module the binary imports: its directory must be in the context.
	out := mustRun(t, root, nil, goBin, "list", "-deps", "-f", "{{if .Module}}{{if .Module.Main}}{{.Dir}}{{end}}{{end}}", "./fn")
	for _, dir := range strings.Fields(out) {
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			t.Fatal(err)
		}
		top := strings.Split(filepath.ToSlash(rel), "/")[0]
		if !slices.Contains(sources, top) {
			t.Errorf("the binary needs package %s, but the build copies only %v", rel, sources)
		}
	}

	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	for _, src := range sources {
		err := filepath.WalkDir(filepath.Join(root, src), func(p string, e os.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if strings.HasSuffix(rel, "_test.go") || strings.Contains(rel, "/testdata/") {
				return nil // not part of the build
			}
			if ignored, err := pm.MatchesOrParentMatches(filepath.ToSlash(rel)); err != nil || ignored {
				t.Errorf(".dockerignore keeps %s out of the context, but the Dockerfile copies it (%v)", rel, err)
			}
			return nil
		})
		if err != nil {
			t.Errorf("COPY source %s: %v", src, err)
		}
	}
}

// TestDockerfileBuildRuns runs the build stage's go build as the Dockerfile writes it (only its
// /out directory moved to a temporary one) and then runs the result the way the function image
// does: the binary must be static (distroless static has no libc), report the version passed
// as build arg, and act as a KRM function when started as the ENTRYPOINT with no arguments.
func TestDockerfileBuildRuns(t *testing.T) {
	root := repoRoot(t)
	d := parseRootDockerfile(t)
	var build string
	for _, r := range commandsOf[*instructions.RunCommand](d.stage(t, "build")) {
		if line := strings.Join(r.CmdLine, " "); strings.Contains(line, "go build") {
			build = line
		}
	}
	if build == "" {
		t.Fatal("the build stage has no go build")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		missingTool(t, "go is not on PATH")
	}
	out := t.TempDir()
	script := strings.ReplaceAll(build, "/out/", out+"/")
	const version = "v0.0.0-dockerfile-test"
	mustRun(t, root, []string{"VERSION=" + version, "PATH=" + filepath.Dir(goBin) + string(os.PathListSeparator) + os.Getenv("PATH")}, "/bin/sh", "-c", script)
	bin := filepath.Join(out, "supremeraid-fn")

	ef, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary is dynamically linked; distroless static has no loader")
		}
	}
	ef.Close()

	if got := mustRun(t, root, nil, bin, "version"); strings.TrimSpace(got) != "supremeraid-fn "+version {
		t.Errorf("version = %q; want the VERSION build arg %s", got, version)
	}

	eps := commandsOf[*instructions.EntrypointCommand](d.stage(t, "function"))
	if len(eps) != 1 {
		t.Fatalf("function stage ENTRYPOINT = %v", eps)
	}
	cfg, err := os.ReadFile(filepath.Join(root, "examples", "kustomize-container", "supremeraid.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	obj, err := fn.ParseKubeObject(cfg)
	if err != nil {
		t.Fatal(err)
	}
	in := &fn.ResourceList{FunctionConfig: obj, Items: fn.KubeObjects{}}
	input, err := in.ToYAML()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, eps[0].CmdLine[1:]...) // the image's argv after the entrypoint path
	cmd.Stdin = strings.NewReader(string(input))
	stdout, err := cmd.Output()
	if err != nil {
		t.Fatalf("the entrypoint failed as a KRM function: %v", err)
	}
	rl, err := fn.ParseResourceList(stdout)
	if err != nil {
		t.Fatalf("the entrypoint did not answer with a ResourceList: %v", err)
	}
	if len(rl.Items) == 0 {
		t.Error("the entrypoint generated nothing from the example config")
	}
}
