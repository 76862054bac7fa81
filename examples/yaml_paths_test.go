package examples_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/fn/cli"
)

// yamlCase changes the example config (the same edit applies to the kustomize and the kpt copy)
// and says what every path must make of it: the field path of the one error, or success with the
// same objects as the unchanged config (same == true) or as another edit (sameAs).
type yamlCase struct {
	reason  string
	edit    func(string) string
	errPath string // "" means success
	same    bool   // success renders exactly what the unchanged example renders
	sameAs  string // success renders exactly what this other case renders
	// tools says where an orchestrator decides before the function can: "fails" (it refuses
	// the file itself, with its own message) or "succeeds" (it rewrites the value first).
	tools map[string]string
}

func replaceOnce(old, new string) func(string) string {
	return func(s string) string {
		if !strings.Contains(s, old) {
			panic("example config lacks " + old)
		}
		return strings.Replace(s, old, new, 1)
	}
}

var yamlCases = map[string]yamlCase{
	"leading-zero integer": {
		reason:  "0100000 is 32768 to YAML 1.1 tools and go-yaml v3, 100000 to YAML 1.2: refused wherever the function sees it",
		edit:    replaceOnce("runAsUser: 10000", "runAsUser: 0100000"),
		errPath: "spec.workloads.namespaces[0].runAsUser",
		// kustomize decodes a generator's config with go-yaml v3 into JSON before running it:
		// the function receives runAsUser: 32768 and cannot know (docs/yaml.md); a value whose
		// octal reading falls below the tenant id floor is refused there too.
		tools: map[string]string{"kustomize": "succeeds"},
	},
	"off where a string is expected": {
		reason: "iommu: off is the string off in YAML 1.2, as kpt and kustomize read it: the same as \"off\"",
		edit:   replaceOnce("  nvidia:\n", "  kernel:\n    iommu: off\n  nvidia:\n"),
		sameAs: "quoted off",
	},
	"quoted off": {
		reason: `iommu: "off" means the same to every tool`,
		edit:   replaceOnce("  nvidia:\n", "  kernel:\n    iommu: \"off\"\n  nvidia:\n"),
	},
	"off where a boolean is expected": {
		reason:  "opa.enabled: off is false only to YAML 1.1 tools: refused, write false",
		edit:    replaceOnce("  workloads:\n", "  opa:\n    enabled: off\n  workloads:\n"),
		errPath: "spec.opa.enabled",
	},
	"tenant named y": {
		reason: "y is a string in YAML 1.2 (kustomize even quotes it before the function sees it)",
		edit:   replaceOnce("- name: project1", "- name: y"),
		sameAs: "tenant named quoted y",
	},
	"tenant named quoted y": {
		reason: "the quoted form",
		edit:   replaceOnce("- name: project1", "- name: \"y\""),
	},
	"YAML 1.2 directive": {
		reason: "go-yaml v3 (kustomize, kpt) refuses %YAML 1.2; render says why and what to do",
		edit: func(s string) string {
			return "%YAML 1.2\n---\n" + s
		},
		errPath: "<document>",
		tools:   map[string]string{"kustomize": "fails", "kpt": "fails", "function": "fails"},
	},
	"merge key with an override": {
		reason: "a merge key's mapping is merged, the mapping's own keys win (as in kyaml)",
		edit: replaceOnce("      - name: project1\n        runAsUser: 10000\n        runAsGroup: 10000",
			"      - &tenant {name: other, runAsUser: 10000, runAsGroup: 10000}\n        # replaced below\n      - <<: *tenant\n        name: project1"),
		// The first tenant makes the output differ from the example; the test checks both paths agree.
	},
	"infinite number": {
		reason:  ".inf is a float on every path; an integer field names itself",
		edit:    replaceOnce("runAsGroup: 10000", "runAsGroup: .inf"),
		errPath: "spec.workloads.namespaces[0].runAsGroup",
		// kustomize's JSON conversion of the config fails on +Inf before the function runs.
		tools: map[string]string{"kustomize": "fails"},
	},
}

// TestYAMLMeaningOnEveryPath runs each edit of the example config through `render`, the function
// on stdin (a ResourceList), `kustomize build` and `kpt fn render`: all four agree. An error names
// the same field on every path; a success renders the same objects on every path.
func TestYAMLMeaningOnEveryPath(t *testing.T) {
	kustomize, kpt, env := kustomizeBin(t), kptBin(t), []string{"PATH=" + toolPath(t)}
	root := repoRoot(t)
	kustCfg, err := os.ReadFile(filepath.Join(root, "examples", "kustomize", "supremeraid.yaml"))
	require.NoError(t, err)
	kptCfg, err := os.ReadFile(filepath.Join(root, "examples", "kpt", "supremeraid.yaml"))
	require.NoError(t, err)
	fnPath := fnBin(t)
	baseline := renderCLI(t, string(kustCfg))

	for name, tc := range yamlCases {
		t.Run(name, func(t *testing.T) {
			work := t.TempDir()
			// render
			cfg := tc.edit(string(kustCfg))
			cfgFile := filepath.Join(work, "config.yaml")
			require.NoError(t, os.WriteFile(cfgFile, []byte(cfg), 0o644))
			var out, errb bytes.Buffer
			code := cli.Main([]string{"render", cfgFile}, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb})
			paths := map[string]string{}
			check := func(path string, failed bool, stderr, stdout string) {
				t.Helper()
				switch tc.tools[path] {
				case "fails":
					assert.True(t, failed, "%s: %s succeeded\n%s", tc.reason, path, stderr)
					return
				case "succeeds":
					assert.False(t, failed, "%s: %s failed\n%s", tc.reason, path, stderr)
					return
				}
				if tc.errPath != "" {
					assert.True(t, failed, "%s: %s succeeded\n%s", tc.reason, path, stderr)
					assert.Contains(t, stderr, tc.errPath+":", "%s: %s names another field", tc.reason, path)
					return
				}
				if !assert.False(t, failed, "%s: %s failed:\n%s", tc.reason, path, stderr) {
					return
				}
				paths[path] = stdout
			}
			check("render", code != 0, errb.String(), out.String())

			// the function on stdin: the config as functionConfig
			fnCfg := cfg
			if tc.tools["function"] != "" {
				fnCfg = "" // a directive cannot be embedded in a ResourceList
			}
			out.Reset()
			errb.Reset()
			if fnCfg != "" {
				code = cli.Main(nil, cli.Env{Stdin: bytes.NewReader(wrapConfig(fnCfg)), Stdout: &out, Stderr: &errb})
				check("function", code != 0, errb.String(), "")
			}

			// kustomize: the example directory with the edited config and an absolute exec path
			kdir := filepath.Join(work, "kustomize")
			copyDir(t, filepath.Join(root, "examples", "kustomize"), kdir)
			kcfg := strings.Replace(cfg, "path: ../../bin/supremeraid-fn", "path: "+fnPath, 1)
			require.NoError(t, os.WriteFile(filepath.Join(kdir, "supremeraid.yaml"), []byte(kcfg), 0o644))
			r := run(t, work, env, kustomize, "build", "--enable-alpha-plugins", "--enable-exec", kdir)
			check("kustomize", r.err != nil, r.stderr, r.stdout)

			// kpt
			pdir := filepath.Join(work, "kpt")
			copyDir(t, filepath.Join(root, "examples", "kpt"), pdir)
			require.NoError(t, os.WriteFile(filepath.Join(pdir, "supremeraid.yaml"), []byte(tc.edit(string(kptCfg))), 0o644))
			r = run(t, work, env, kpt, "fn", "render", "--allow-exec", "kpt")
			check("kpt", r.err != nil, r.stderr, "")

			if tc.errPath != "" {
				return
			}
			if diff := cmp.Diff(applied(t, paths["render"]), objectsByID(t, []byte(paths["kustomize"]))); diff != "" {
				t.Errorf("%s: render and kustomize disagree (-render +kustomize):\n%s", tc.reason, diff)
			}
			if tc.sameAs != "" {
				other := yamlCases[tc.sameAs]
				if diff := cmp.Diff(renderCLI(t, other.edit(string(kustCfg))), paths["render"]); diff != "" {
					t.Errorf("%s: the output differs from %q's (-%s +this):\n%s", tc.reason, tc.sameAs, tc.sameAs, diff)
				}
			}
			if tc.same {
				if diff := cmp.Diff(baseline, paths["render"]); diff != "" {
					t.Errorf("%s: the output differs from the unchanged example's (-example +edited):\n%s", tc.reason, diff)
				}
			}
		})
	}
}

func renderCLI(t *testing.T, cfg string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "config.yaml")
	require.NoError(t, os.WriteFile(f, []byte(cfg), 0o644))
	var out, errb bytes.Buffer
	require.Zero(t, cli.Main([]string{"render", f}, cli.Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}), errb.String())
	return out.String()
}

// wrapConfig is a ResourceList with cfg as functionConfig and no items.
func wrapConfig(cfg string) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n")
	for _, l := range strings.Split(strings.TrimRight(cfg, "\n"), "\n") {
		b.WriteString("  " + l + "\n")
	}
	return []byte(b.String())
}

// applied is what kustomize keeps of a rendering: every object but the local-config ones.
func applied(t *testing.T, stream string) map[string]map[string]any {
	t.Helper()
	objs := objectsByID(t, []byte(stream))
	for id, o := range objs {
		md, _ := o["metadata"].(map[string]any)
		ann, _ := md["annotations"].(map[string]any)
		if ann["config.kubernetes.io/local-config"] == "true" {
			delete(objs, id)
		}
	}
	return objs
}
