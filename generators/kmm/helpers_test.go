package kmm_test

import (
	"testing"

	"supremeraid.dev/supremeraid-fn/generators"
	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/testconfig"
	"supremeraid.dev/supremeraid-fn/generators/kmm"
)

const (
	sha       = "3f2b6c1e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a090"
	otherSHA  = "0d5c7c1b3b0e6f4d2a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f"
	installer = "https://downloads.example.com/graid/graid-sr-installer-1.7.2-010-x86_64.run"
	kmodRepo  = "image-registry.openshift-image-registry.svc:5000/supremeraid/graid-kmod"
)

// testConfig returns the shared test config (testconfig.Valid) with this package's installer URL,
// after mutate: each case states only what it changes and no case tests a config users could
// not write.
func testConfig(t *testing.T, mutate func(*config.SupremeRAID)) *config.SupremeRAID {
	t.Helper()
	return testconfig.Valid(t, func(c *config.SupremeRAID) {
		c.Spec.Driver.Installer.URL = installer
		if mutate != nil {
			mutate(c)
		}
	})
}

// generate runs the generator and returns its two objects, failing on anything unexpected.
func generate(t *testing.T, cfg *config.SupremeRAID) (*kmm.Module, []any) {
	t.Helper()
	objs, err := kmm.Generate(cfg)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if len(objs) != 2 {
		t.Fatalf("Generate returned %d objects, want ConfigMap and Module", len(objs))
	}
	mod, ok := objs[1].(*kmm.Module)
	if !ok {
		t.Fatalf("second object is %T, want *kmm.Module", objs[1])
	}
	return mod, objs
}

func imageInstaller(c *config.SupremeRAID) {
	c.Spec.Driver.Installer = config.Installer{
		Image:  "registry.example.com/graid/installer@sha256:" + otherSHA,
		Path:   "/installer/graid-sr-installer-1.7.2-010-x86_64.run",
		SHA256: sha,
	}
}

// toMap serialises an object the way the function's output does.
func toMap(t *testing.T, obj any) map[string]any {
	t.Helper()
	m, err := generators.ToMap(obj)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
