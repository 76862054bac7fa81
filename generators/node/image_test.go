package node_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	buildv1 "github.com/openshift/api/build/v1"
	imagev1 "github.com/openshift/api/image/v1"
	corev1 "k8s.io/api/core/v1"

	"supremeraid.dev/supremeraid-fn/generators/node"
	"supremeraid.dev/supremeraid-fn/kmod"
)

// installerFromImage switches the base config to an installer held in an image.
func installerFromImage(doc map[string]any) {
	at(doc, "spec", "driver")["installer"] = map[string]any{
		"image":  "registry.example.com/graid/installer@sha256:0d5c7c1b3b0e6f4d2a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f",
		"path":   "/installer/graid-sr-installer-1.7.2-010-x86_64.run",
		"sha256": "3f2b6c1e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a090",
	}
}

var varRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// shellVars are the RUN scripts' own shell variables, not build args.
var shellVars = map[string]bool{"c": true, "missing": true}

// TestDockerfile parses the exact Dockerfile text of the BuildConfig with BuildKit's parser and
// linter (every rule) and checks the contract with the BuildConfig: every build arg it passes
// is declared, every declared arg without a default is passed, every variable used is declared,
// and COPY takes only what the build ConfigMap provides.
func TestDockerfile(t *testing.T) {
	cases := map[string]struct {
		reason string
		edit   func(doc map[string]any)
		stages []string
	}{
		"url": {
			reason: "download with curl in the builder, credentials as a build volume",
			edit: func(doc map[string]any) {
				at(doc, "spec", "driver", "installer")["credentialsSecret"] = "graid-download"
			},
			stages: []string{"agent", "builder", ""},
		},
		"image": {
			reason: "the installer comes from its own image stage",
			edit:   installerFromImage,
			stages: []string{"agent", "graid-installer", "builder", ""},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := loadConfig(t, tc.edit)
			img, err := node.NodeImage(cfg)
			if err != nil {
				t.Fatal(err)
			}
			text := *img.BuildConfig.Spec.Source.Dockerfile
			res, err := parser.Parse(strings.NewReader(text))
			if err != nil {
				t.Fatalf("%s\nparse: %v", tc.reason, err)
			}
			for _, w := range res.Warnings {
				t.Errorf("parser warning: %s", w.Short)
			}
			lint := linter.New(&linter.Config{ExperimentalAll: true, Warn: func(rule, _, _, msg string, loc []parser.Range) {
				t.Errorf("lint %s at %v: %s", rule, loc, msg)
			}})
			stages, metaArgs, err := instructions.Parse(res.AST, lint)
			if err != nil {
				t.Fatalf("instructions: %v", err)
			}
			var got []string
			for _, s := range stages {
				got = append(got, s.Name)
			}
			if !slices.Equal(got, tc.stages) {
				t.Errorf("%s\nstages %q, want %q", tc.reason, got, tc.stages)
			}

			declared := map[string]bool{} // any ARG
			required := map[string]bool{} // ARG without a default
			for _, a := range metaArgs {
				for _, kv := range a.Args {
					declared[kv.Key] = true
					required[kv.Key] = kv.Value == nil
				}
			}
			for _, s := range stages {
				for _, cmd := range s.Commands {
					if a, ok := cmd.(*instructions.ArgCommand); ok {
						for _, kv := range a.Args {
							declared[kv.Key] = true
							if _, seen := required[kv.Key]; !seen {
								required[kv.Key] = kv.Value == nil
							}
						}
					}
				}
			}
			passed := map[string]bool{}
			for _, a := range img.BuildConfig.Spec.Strategy.DockerStrategy.BuildArgs {
				passed[a.Name] = true
				if !declared[a.Name] {
					t.Errorf("build arg %s is not declared in the Dockerfile", a.Name)
				}
				if a.Value == "" || a.ValueFrom != nil {
					t.Errorf("build arg %s must have a literal value", a.Name)
				}
			}
			for arg, req := range required {
				// GRAID_INSTALLER_SECRET is optional: the script checks it only when set.
				if req && !passed[arg] && arg != kmod.ArgInstallerSecret && arg != node.ArgInstallerSecret {
					t.Errorf("ARG %s has no default and the BuildConfig does not pass it", arg)
				}
			}
			// Variables in FROM must be global ARGs; in other instructions, ARGs of that stage
			// (a global ARG is not visible inside a stage unless declared again).
			var global, inStage []string
			for _, a := range metaArgs {
				for _, kv := range a.Args {
					global = append(global, kv.Key)
				}
			}
			started := false
			for _, n := range res.AST.Children {
				line := n.Original
				switch strings.ToLower(n.Value) {
				case "from":
					started, inStage = true, nil
				case "arg":
					if started {
						inStage = append(inStage, strings.SplitN(n.Next.Value, "=", 2)[0])
					}
					continue
				}
				scope := inStage
				if strings.EqualFold(n.Value, "from") {
					scope = global
				}
				for _, m := range varRef.FindAllStringSubmatch(line, -1) {
					if shellVars[m[1]] {
						continue
					}
					if !slices.Contains(scope, m[1]) {
						t.Errorf("$%s is used without an ARG in scope: %s", m[1], line)
					}
				}
			}
			for _, s := range stages {
				for _, cmd := range s.Commands {
					if c, ok := cmd.(*instructions.CopyCommand); ok && c.From == "" {
						for _, src := range c.SourcePaths {
							if _, ok := img.ConfigMap.Data[src]; !ok {
								t.Errorf("COPY %s: not in the build ConfigMap %v", src, keys(img.ConfigMap.Data))
							}
						}
					}
				}
			}
			for _, bad := range []string{"<<", "--mount", "ADD ", ":latest"} {
				if strings.Contains(text, bad) {
					t.Errorf("the Dockerfile contains %q (heredocs and RUN --mount break OpenShift builds; ADD and :latest are not reproducible)", bad)
				}
			}
		})
	}
}

// TestBuildConfig checks the build objects against the upstream Go types and the rules they
// follow: inputs that matter change the tag and the BuildConfig name, others do not.
func TestBuildConfig(t *testing.T) {
	base, err := node.NodeImage(loadConfig(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason    string
		edit      func(doc map[string]any)
		newTag    bool
		imageStrm bool
		check     func(t *testing.T, img *node.Image, bc *buildv1.BuildConfig)
	}{
		"same config": {
			reason:    "equal inputs, equal tag: nothing rebuilds or rolls",
			imageStrm: true,
			check: func(t *testing.T, img *node.Image, bc *buildv1.BuildConfig) {
				s := bc.Spec
				if len(s.Triggers) != 1 || s.Triggers[0].Type != buildv1.ConfigChangeBuildTriggerType || s.RunPolicy != buildv1.BuildRunPolicySerial {
					t.Errorf("triggers %+v runPolicy %s", s.Triggers, s.RunPolicy)
				}
				if s.Output.To == nil || s.Output.To.Kind != "ImageStreamTag" || "image-registry.openshift-image-registry.svc:5000/supremeraid/"+s.Output.To.Name != img.Ref {
					t.Errorf("output %+v for image %s", s.Output.To, img.Ref)
				}
				if len(s.Source.ConfigMaps) != 1 || s.Source.ConfigMaps[0].ConfigMap.Name != "graid-node-build" {
					t.Errorf("build context %+v", s.Source.ConfigMaps)
				}
				if img.ConfigMap.Data[node.BuildScriptKey] != string(kmod.BuildScript()) {
					t.Error("the build ConfigMap must carry kmod's build.sh byte for byte")
				}
				want := []corev1.EnvVar{
					{Name: "AGENT_IMAGE", Value: "quay.io/supremeraid-fn/supremeraid-fn:v0.1.0"},
					{Name: "GRAID_DRIVER_VERSION", Value: "1.7.2"},
					{Name: "GRAID_INSTALLER_SHA256", Value: "3f2b6c1e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a090"},
					{Name: "GRAID_INSTALLER_URL", Value: "https://downloads.example.com/graid/graid-sr-installer-1.7.2-010-x86_64.run"},
				}
				if got := s.Strategy.DockerStrategy.BuildArgs; !slices.Equal(got, want) {
					t.Errorf("build args %v, want %v", got, want)
				}
			},
		},
		"installer checksum": {reason: "another installer is another image", newTag: true, imageStrm: true, edit: func(doc map[string]any) {
			at(doc, "spec", "driver", "installer")["sha256"] = strings.Repeat("ab", 32)
		}},
		"agent image": {reason: "a new agent release is a new image", newTag: true, imageStrm: true, edit: func(doc map[string]any) {
			at(doc, "spec", "node")["image"] = "quay.io/supremeraid-fn/supremeraid-fn:v0.2.0"
		}},
		"download credentials": {
			reason: "the secret is a build volume at build.sh's /run/secrets/<name>, never a layer", newTag: true, imageStrm: true,
			edit: func(doc map[string]any) {
				at(doc, "spec", "driver", "installer")["credentialsSecret"] = "graid-download"
			},
			check: func(t *testing.T, img *node.Image, bc *buildv1.BuildConfig) {
				v := bc.Spec.Strategy.DockerStrategy.Volumes
				if len(v) != 1 || v[0].Source.Type != buildv1.BuildVolumeSourceTypeSecret || v[0].Source.Secret.SecretName != "graid-download" ||
					len(v[0].Mounts) != 1 || v[0].Mounts[0].DestinationPath != "/run/secrets/graid-download" {
					t.Errorf("volumes %+v", v)
				}
				if len(bc.Spec.Source.Secrets) != 0 {
					t.Error("source secrets would be copied into the image context")
				}
			},
		},
		"installer image": {reason: "an installer image is another build", newTag: true, imageStrm: true, edit: installerFromImage,
			check: func(t *testing.T, img *node.Image, bc *buildv1.BuildConfig) {
				args := bc.Spec.Strategy.DockerStrategy.BuildArgs
				if !slices.Contains(args, corev1.EnvVar{Name: "GRAID_INSTALLER_FILE", Value: "/installer/graid-sr-installer-1.7.2-010-x86_64.run"}) ||
					slices.ContainsFunc(args, func(e corev1.EnvVar) bool { return e.Name == "GRAID_INSTALLER_URL" }) {
					t.Errorf("build args %v", args)
				}
			}},
		"external registry": {
			reason: "a plain registry: DockerImage output with the repo secret to push and pull, no ImageStream", imageStrm: false,
			edit: func(doc map[string]any) {
				at(doc, "spec", "node")["imageRepository"] = "registry.example.com/graid/node"
				at(doc, "spec", "driver")["imageRepoSecret"] = "registry-push"
				at(doc, "spec", "driver")["imageRepoSecretCoversBuild"] = true // the secret must also push the internal-registry kmod image
			},
			newTag: true, // the pull secret is a build input
			check: func(t *testing.T, img *node.Image, bc *buildv1.BuildConfig) {
				o := bc.Spec.Output
				if o.To == nil || o.To.Kind != "DockerImage" || o.To.Name != img.Ref || o.PushSecret == nil || o.PushSecret.Name != "registry-push" {
					t.Errorf("output %+v", o)
				}
				if p := bc.Spec.Strategy.DockerStrategy.PullSecret; p == nil || p.Name != "registry-push" {
					t.Errorf("pull secret %v", p)
				}
			},
		},
		"unrelated settings": {reason: "tolerations, the grace period and OPA do not touch the image", imageStrm: true, edit: func(doc map[string]any) {
			at(doc, "spec")["tolerations"] = []any{map[string]any{"operator": "Exists"}}
			at(doc, "spec", "node")["terminationGracePeriodSeconds"] = 600
			at(doc, "spec", "opa")["timeoutSeconds"] = 9
		}},
		"layout": {reason: "the RAID layout is the ConfigMap's business, not the image's", imageStrm: true, edit: func(doc map[string]any) {
			at(doc, "spec", "raid", "driveGroups", 0, "virtualDrives", 1)["mountOptions"] = []any{"nodev"}
		}},
	}
	tagOf := func(ref string) string { return ref[strings.LastIndex(ref, ":")+1:] }
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			img, err := node.NodeImage(loadConfig(t, tc.edit))
			if err != nil {
				t.Fatal(err)
			}
			tag := tagOf(img.Ref)
			if changed := tag != tagOf(base.Ref); changed != tc.newTag {
				t.Errorf("%s\ntag %s (base %s): changed=%v, want %v", tc.reason, tag, tagOf(base.Ref), changed, tc.newTag)
			}
			if !regexp.MustCompile(`^1\.7\.2-[0-9a-f]{10}$`).MatchString(tag) {
				t.Errorf("tag %q, want <driver version>-<10 hex>", tag)
			}
			bc := &buildv1.BuildConfig{}
			strictDecode(t, img.BuildConfig, bc)
			if bc.Name != "graid-node-"+tag[len(tag)-10:] {
				t.Errorf("%s\nBuildConfig %q must be named after the input hash (a ConfigChange build starts only on creation)", tc.reason, bc.Name)
			}
			if (img.ImageStream != nil) != tc.imageStrm {
				t.Errorf("%s\nImageStream emitted=%v, want %v", tc.reason, img.ImageStream != nil, tc.imageStrm)
			}
			if img.ImageStream != nil {
				is := &imagev1.ImageStream{}
				strictDecode(t, img.ImageStream, is)
				if is.Name != "graid-node" || is.Namespace != "supremeraid" {
					t.Errorf("ImageStream %s/%s", is.Namespace, is.Name)
				}
			}
			cm := &corev1.ConfigMap{}
			strictDecode(t, img.ConfigMap, cm)
			if tc.check != nil {
				tc.check(t, img, bc)
			}
		})
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
