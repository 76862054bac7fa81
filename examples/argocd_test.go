package examples_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// cmpImage is the plugin sidecar image (Dockerfile target cmp).
const cmpImage = "quay.io/supremeraid-fn/argocd-cmp:v0.1.0"

// pluginConfig mirrors the fields Argo CD's cmp server reads from plugin.yaml (argo-cd
// cmpserver/plugin/config.go, PluginConfig), so a strict decode rejects a misspelt key that Argo
// CD would silently ignore.
type pluginConfig struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version  string        `json:"version,omitempty"`
		Init     *pluginComand `json:"init,omitempty"`
		Generate pluginComand  `json:"generate"`
		Discover struct {
			FileName string `json:"fileName,omitempty"`
			Find     struct {
				pluginComand
				Glob string `json:"glob,omitempty"`
			} `json:"find"`
		} `json:"discover"`
		AllowConcurrency bool `json:"allowConcurrency,omitempty"`
		LockRepo         bool `json:"lockRepo,omitempty"`
		PreserveFileMode bool `json:"preserveFileMode,omitempty"`
	} `json:"spec"`
}

type pluginComand struct {
	Command []string `json:"command,omitempty"`
	Args    []string `json:"args,omitempty"`
}

func (c pluginComand) argv() []string { return append(slices.Clone(c.Command), c.Args...) }

// application mirrors the fields of the Argo CD Application the example sets.
type application struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
	Spec struct {
		Project string `json:"project"`
		Source  struct {
			RepoURL        string `json:"repoURL"`
			TargetRevision string `json:"targetRevision"`
			Path           string `json:"path"`
			Plugin         struct {
				Name string `json:"name"`
			} `json:"plugin"`
		} `json:"source"`
		Destination struct {
			Server string `json:"server"`
		} `json:"destination"`
	} `json:"spec"`
}

func readStrict(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func readPlugin(t *testing.T) pluginConfig {
	t.Helper()
	var p pluginConfig
	readStrict(t, filepath.Join(repoRoot(t), "examples", "argocd", "plugin.yaml"), &p)
	return p
}

// TestArgoCDPluginConfig checks plugin.yaml the way the cmp server validates it, and that its
// generate command is supremeraid-fn's argocd-generate (kustomize build with a kustomization,
// render without).
func TestArgoCDPluginConfig(t *testing.T) {
	p := readPlugin(t)
	if p.APIVersion != "argoproj.io/v1alpha1" || p.Kind != "ConfigManagementPlugin" || p.Metadata.Name == "" {
		t.Errorf("plugin.yaml is %s %s %q; want a named argoproj.io/v1alpha1 ConfigManagementPlugin", p.APIVersion, p.Kind, p.Metadata.Name)
	}
	want := []string{"supremeraid-fn", "argocd-generate"}
	if diff := cmp.Diff(want, p.Spec.Generate.argv()); diff != "" {
		t.Errorf("generate command (-want +got):\n%s", diff)
	}
	if len(p.Spec.Discover.Find.argv()) == 0 && p.Spec.Discover.Find.Glob == "" && p.Spec.Discover.FileName == "" {
		t.Error("plugin.yaml has no discover rule; the cmp server refuses such a config")
	}
}

// TestArgoCDGenerate runs the plugin's generate command as written, with nothing but PATH (the
// directories of kustomize and supremeraid-fn first, as in the sidecar image) and HOME set, in
// every overlay's directory (the Application deploys one of them): it must print exactly what
// `kustomize build` gives for that overlay.
func TestArgoCDGenerate(t *testing.T) {
	root := repoRoot(t)
	p := readPlugin(t)
	var app application
	readStrict(t, filepath.Join(root, "examples", "argocd", "application.yaml"), &app)

	pluginName := p.Metadata.Name
	if p.Spec.Version != "" {
		pluginName += "-" + p.Spec.Version // how Argo CD names a versioned plugin
	}
	if app.Spec.Source.Plugin.Name != pluginName {
		t.Errorf("the Application uses plugin %q; plugin.yaml defines %q", app.Spec.Source.Plugin.Name, pluginName)
	}
	if app.Spec.Destination.Server == "" || app.Spec.Source.RepoURL == "" || app.Spec.Project == "" {
		t.Errorf("the Application lacks destination.server, source.repoURL or project: %+v", app.Spec)
	}
	overlay := strings.TrimPrefix(app.Spec.Source.Path, "overlays/")
	if overlay == app.Spec.Source.Path {
		t.Fatalf("the Application deploys %q; the example deploys an overlay under overlays/", app.Spec.Source.Path)
	}

	env := []string{"PATH=" + toolPath(t), "HOME=" + t.TempDir()}
	argv := p.Spec.Generate.argv()
	for _, name := range overlayNames(t) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(root, "overlays", name)
			out := mustRunClean(t, dir, env, argv)
			want := kustomizeBuild(t, filepath.Join("overlays", name)) // TestOverlays checks it against the golden file
			if diff := cmp.Diff(string(want), out); diff != "" {
				t.Errorf("plugin output differs from the overlay's kustomize build (-kustomize +plugin):\n%s", diff)
			}
		})
	}
	if !slices.Contains(overlayNames(t), overlay) {
		t.Fatalf("the Application deploys overlays/%s, which does not exist", overlay)
	}

	// The same command typed into a plain shell in the Application's directory.
	dir := filepath.Join(root, filepath.FromSlash(app.Spec.Source.Path))
	line := strings.Join(argv, " ")
	shell := mustRunClean(t, dir, env, []string{"/bin/sh", "-c", line})
	if want := kustomizeBuild(t, app.Spec.Source.Path); shell != string(want) {
		t.Errorf("`%s` in a shell in %s prints something else than kustomize build", line, app.Spec.Source.Path)
	}
}

// TestArgoCDDiscover runs the plugin's discover command: it must select every overlay and the
// kustomize example, and leave a plain kustomize directory to Argo CD's built-in kustomize.
func TestArgoCDDiscover(t *testing.T) {
	root := repoRoot(t)
	argv := readPlugin(t).Spec.Discover.Find.argv()
	if len(argv) == 0 {
		t.Skip("plugin.yaml discovers by glob or fileName, not by command")
	}
	env := []string{"PATH=" + toolPath(t), "HOME=" + t.TempDir()}
	dirs := map[string]bool{filepath.Join(root, "examples", "kustomize"): true}
	for _, name := range overlayNames(t) {
		dirs[filepath.Join(root, "overlays", name)] = true
	}
	plain, err := filepath.Abs(filepath.Join("testdata", "argocd", "plain-kustomize"))
	if err != nil {
		t.Fatal(err)
	}
	dirs[plain] = false
	for dir, want := range dirs {
		out := mustRunClean(t, dir, env, argv)
		if got := strings.TrimSpace(out) != ""; got != want {
			t.Errorf("discover in %s selected=%v, want %v (output %q)", dir, got, want, out)
		}
	}
}

// mustRunClean runs argv in dir with exactly env, the way the cmp server runs plugin commands.
func mustRunClean(t *testing.T, dir string, env, argv []string) string {
	t.Helper()
	r := runEnv(t, dir, env, argv[0], argv[1:]...)
	if r.err != nil {
		t.Fatalf("%s (in %s): %v\nstderr:\n%s", strings.Join(argv, " "), dir, r.err, r.stderr)
	}
	return r.stdout
}

// operatorRepoVolumes are the volumes the Argo CD operator gives the repo server pod that a
// plugin sidecar may mount (argocd-operator controllers/argocd/deployment.go,
// reconcileRepoDeployment): the shared var-files (argocd-cmp-server) and plugins (sockets).
var operatorRepoVolumes = map[string]string{
	"var-files": "/var/run/argocd",
	"plugins":   "/home/argocd/cmp-server/plugins",
}

// TestArgoCDSidecarPatch checks the ArgoCD merge patch: the sidecar decodes strictly as a
// Kubernetes container, runs the cmp server from the operator's shared volume, mounts what the
// cmp server needs, declares the volumes the operator does not provide (and none it does), and
// asks for no privilege.
func TestArgoCDSidecarPatch(t *testing.T) {
	path := filepath.Join(repoRoot(t), "examples", "argocd", "argocd-cmp-sidecar.yaml")
	var patch struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
		Spec struct {
			Repo struct {
				SidecarContainers []corev1.Container `json:"sidecarContainers"`
				Volumes           []corev1.Volume    `json:"volumes"`
			} `json:"repo"`
		} `json:"spec"`
	}
	readStrict(t, path, &patch)
	if patch.APIVersion != "argoproj.io/v1beta1" || patch.Kind != "ArgoCD" || patch.Metadata.Name != "openshift-gitops" || patch.Metadata.Namespace != "openshift-gitops" {
		t.Errorf("patch targets %s %s %s/%s; want the OpenShift GitOps default instance (argoproj.io/v1beta1 ArgoCD openshift-gitops/openshift-gitops)",
			patch.APIVersion, patch.Kind, patch.Metadata.Namespace, patch.Metadata.Name)
	}
	if len(patch.Spec.Repo.SidecarContainers) != 1 {
		t.Fatalf("want one sidecar, got %d", len(patch.Spec.Repo.SidecarContainers))
	}
	c := patch.Spec.Repo.SidecarContainers[0]
	if diff := cmp.Diff([]string{"/var/run/argocd/argocd-cmp-server"}, c.Command); diff != "" {
		t.Errorf("sidecar command (-want +got):\n%s", diff)
	}
	if c.Image != cmpImage {
		t.Errorf("sidecar image %q, want %q", c.Image, cmpImage)
	}

	declared := map[string]corev1.Volume{}
	for _, v := range patch.Spec.Repo.Volumes {
		if _, ok := operatorRepoVolumes[v.Name]; ok {
			t.Errorf("volume %q is the operator's; declaring it again makes the pod invalid", v.Name)
		}
		declared[v.Name] = v
	}
	mounts := map[string]string{}
	for _, m := range c.VolumeMounts {
		mounts[m.MountPath] = m.Name
		if _, ok := operatorRepoVolumes[m.Name]; !ok {
			if _, ok := declared[m.Name]; !ok {
				t.Errorf("mount of volume %q, which neither the operator nor the patch provides", m.Name)
			}
		}
	}
	for name, at := range operatorRepoVolumes {
		if mounts[at] != name {
			t.Errorf("the cmp server needs volume %s at %s; mounts: %v", name, at, mounts)
		}
	}
	if tmp, ok := declared[mounts["/tmp"]]; !ok || tmp.EmptyDir == nil {
		t.Errorf("the sidecar needs a /tmp of its own (an emptyDir declared in spec.repo.volumes); mounts: %v", mounts)
	}

	sc := c.SecurityContext
	switch {
	case sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot:
		t.Error("the sidecar must set runAsNonRoot: true")
	case sc.RunAsUser != nil:
		t.Errorf("runAsUser %d: OpenShift's restricted-v2 SCC rejects a fixed UID outside the namespace range", *sc.RunAsUser)
	case sc.Privileged != nil && *sc.Privileged, sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
		t.Error("the sidecar must not be privileged nor allow privilege escalation")
	case sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL"):
		t.Error("the sidecar must drop all capabilities")
	}
}

// TestArgoCDGenerateConfigOnly: an application directory that holds only the config is
// rendered by supremeraid-fn alone, and yields the objects kustomize builds from the same config
// through the function (in emission order rather than kustomize's, which Argo CD does not use).
func TestArgoCDGenerateConfigOnly(t *testing.T) {
	root := repoRoot(t)
	dir := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join(root, "examples", "kustomize", "supremeraid.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "supremeraid.yaml"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + toolPath(t), "HOME=" + t.TempDir()}
	got := objectSet(t, mustRunClean(t, dir, env, readPlugin(t).Spec.Generate.argv()))
	want := objectSet(t, string(kustomizeBuild(t, "examples/kustomize")))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("objects of the config-only directory differ from kustomize build's (-kustomize +plugin):\n%s", diff)
	}
}

// objectSet is a YAML stream's objects, each as canonical JSON, sorted.
func objectSet(t *testing.T, stream string) []string {
	t.Helper()
	var set []string
	for _, doc := range strings.Split(stream, "\n---\n") {
		if strings.TrimSpace(doc) == "" {
			continue
		}
		j, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatalf("%v in\n%s", err, doc)
		}
		set = append(set, string(j))
	}
	slices.Sort(set)
	return set
}
