package opa

import (
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// opaVersions are the OPA releases the policy must compile on: the first
// 1.x release (so any OPA 1.x image works) and the image the opa-kube-mgmt
// chart 11.0.7 deploys by default (values.yaml image.tag).
var opaVersions = []string{"v1.0.0", "v1.16.1"}

// compileStrict is `opa check --strict --capabilities <version>` in Go:
// Rego v1 parsing, then the compiler in strict mode (unused local
// variables and function arguments, unused or duplicate imports,
// deprecated built-ins, shadowed input/data are errors) limited to the
// built-ins that OPA version has.
func compileStrict(t *testing.T, version string, files []File) error {
	t.Helper()
	caps, err := ast.LoadCapabilitiesVersion(version)
	if err != nil {
		t.Fatalf("loading capabilities %s: %v", version, err)
	}
	modules := map[string]*ast.Module{}
	for _, f := range files {
		m, err := ast.ParseModuleWithOpts(f.Name, f.Content, ast.ParserOptions{RegoVersion: ast.RegoV1, Capabilities: caps})
		if err != nil {
			return err
		}
		modules[f.Name] = m
	}
	c := ast.NewCompiler().WithStrict(true).WithCapabilities(caps)
	if c.Compile(modules); c.Failed() {
		return c.Errors
	}
	return nil
}

func TestPolicyCompilesStrict(t *testing.T) {
	withSettings, err := Modules(testSettings())
	if err != nil {
		t.Fatal(err)
	}
	policyOnly, err := PolicyFiles()
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]struct {
		reason string
		files  []File
	}{
		"policy and settings": {reason: "what the ConfigMap holds", files: withSettings},
		"policy alone":        {reason: "kube-mgmt loads ConfigMap keys one by one, so the policy must also compile before settings.rego arrives", files: policyOnly},
	}
	for name, tc := range cases {
		for _, v := range opaVersions {
			t.Run(name+"/"+v, func(t *testing.T) {
				if err := compileStrict(t, v, tc.files); err != nil {
					t.Errorf("%s\nstrict compile on OPA %s: %v", tc.reason, v, err)
				}
			})
		}
	}
}

// TestCompileStrictRejects shows the compile check above can fail: each
// module is valid Rego that only strict mode, v1 syntax or the
// capabilities reject.
func TestCompileStrictRejects(t *testing.T) {
	cases := map[string]struct {
		reason  string
		version string
		module  string
		wantErr string
	}{
		"unused local variable": {
			reason:  "strict mode must be on",
			version: "v1.0.0",
			module:  "package x\n\nallow if {\n\tunused := 1\n\ttrue\n}\n",
			wantErr: "assigned var unused unused",
		},
		"v0 syntax": {
			reason:  "v1 parsing must be on: OPA 1.x rejects rules without `if`",
			version: "v1.0.0",
			module:  "package x\n\nallow { true }\n",
			wantErr: "rego_parse_error",
		},
		"built-in newer than the target OPA": {
			reason:  "capabilities must limit built-ins: array.flatten arrived after 1.0.0",
			version: "v1.0.0",
			module:  "package x\n\nn := array.flatten([[1], [2]])\n",
			wantErr: "undefined function array.flatten",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := compileStrict(t, tc.version, []File{{Name: "x.rego", Content: tc.module}})
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s\nwant error containing %q, got %v", tc.reason, tc.wantErr, err)
			}
		})
	}
}

func TestPolicyFiles(t *testing.T) {
	files, err := PolicyFiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no embedded policy files")
	}
	var hasMain bool
	for i, f := range files {
		if i > 0 && files[i-1].Name >= f.Name {
			t.Errorf("files not sorted by name: %s before %s", files[i-1].Name, f.Name)
		}
		if !strings.HasSuffix(f.Name, ".rego") || strings.HasSuffix(f.Name, "_test.rego") {
			t.Errorf("%s: only non-test .rego files belong in the policy ConfigMap", f.Name)
		}
		if f.Name == SettingsFileName {
			t.Errorf("%s is generated; it must not be embedded", f.Name)
		}
		m, err := ast.ParseModuleWithOpts(f.Name, f.Content, ast.ParserOptions{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Errorf("%s: %v", f.Name, err)
			continue
		}
		if m.Package.Path.String() == "data.system" {
			t.Errorf("%s: package system belongs to the bootstrap policy (BootstrapPolicy), which defines data.system.main; a second definition would not compile", f.Name)
		}
		for _, r := range m.Rules {
			if m.Package.Path.String() == "data.supremeraid.admission" && r.Head.Name.String() == "review" {
				hasMain = true
			}
		}
	}
	if !hasMain {
		t.Error("no module defines data.supremeraid.admission.review, the review the bootstrap policy answers with")
	}
	boot, err := ast.ParseModuleWithOpts("bootstrap.rego", BootstrapPolicy("supremeraid.dev/inject"), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		t.Fatalf("bootstrap policy: %v", err)
	}
	if boot.Package.Path.String() != "data.system" {
		t.Errorf("bootstrap policy is package %s, want system", boot.Package.Path)
	}

	again, err := PolicyFiles()
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		if files[i] != again[i] {
			t.Errorf("PolicyFiles is not deterministic at %s", files[i].Name)
		}
	}
}

func TestModules(t *testing.T) {
	files, err := Modules(testSettings())
	if err != nil {
		t.Fatal(err)
	}
	policy, err := PolicyFiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(policy)+1 {
		t.Fatalf("want the %d policy files plus settings, got %d files", len(policy), len(files))
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	if !strings.Contains(strings.Join(names, ","), SettingsFileName) {
		t.Errorf("settings missing from %v", names)
	}
	for i := 1; i < len(names); i++ {
		if names[i-1] >= names[i] {
			t.Errorf("not sorted: %v", names)
		}
	}
	if _, err := Modules(Settings{}); err == nil {
		t.Error("Modules with invalid settings: want an error")
	}
}
