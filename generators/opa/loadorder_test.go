package opa

import (
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// TestLoadsInOnePass loads the policy ConfigMap's modules the way kube-mgmt does: one key at a
// time, in sorted key order, each compiled together with the keys loaded before it. Every step
// must compile, so the policy is live after the first pass, without kube-mgmt's retries.
func TestLoadsInOnePass(t *testing.T) {
	files, err := Modules(Settings{
		PodLabel: "supremeraid.dev/inject", ContainerPath: "/data", HostBasePath: "/var/mnt/supremeraid/vd0",
		VolumeName: DefaultVolumeName, Namespaces: []string{"project1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	loaded := map[string]string{}
	for i, f := range files {
		if i > 0 && files[i-1].Name >= f.Name {
			t.Fatalf("modules not in key order: %s before %s", files[i-1].Name, f.Name)
		}
		loaded[f.Name] = f.Content
		if _, err := ast.CompileModulesWithOpt(loaded, ast.CompileOpts{ParserOptions: ast.ParserOptions{RegoVersion: ast.RegoV1}}); err != nil {
			t.Errorf("after loading %s (key %d of %d) the policy does not compile, so kube-mgmt would need a retry:\n%v", f.Name, i+1, len(files), err)
		}
	}
}

// TestLoadOrderCanFail shows the check above catches a module that uses a rule of a later key.
func TestLoadOrderCanFail(t *testing.T) {
	loaded := map[string]string{"10-user.rego": "package x\n\ny := z\n"}
	if _, err := ast.CompileModulesWithOpt(loaded, ast.CompileOpts{ParserOptions: ast.ParserOptions{RegoVersion: ast.RegoV1}}); err == nil {
		t.Fatal("a module using an undefined rule compiled; the load-order test could not fail")
	}
}
