package node_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	sigsjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"

	"supremeraid.dev/supremeraid-fn/generators"
	"supremeraid.dev/supremeraid-fn/generators/config"
)

// baseConfig is a small valid config; tests change it with edits before defaulting.
const baseConfig = `apiVersion: supremeraid.dev/v1alpha1
kind: SupremeRAID
metadata:
  name: graid
spec:
  driver:
    version: "1.7.2"
    installer:
      url: https://downloads.example.com/graid/graid-sr-installer-1.7.2-010-x86_64.run
      sha256: 3f2b6c1e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a090
    kmodImage: image-registry.openshift-image-registry.svc:5000/supremeraid/graid-kmod
  nvidia:
    driverVersion: "550.90.07"
  raid:
    driveGroups:
      - raidLevel: raid5
        physicalDrives: [/dev/nvme0n1, /dev/nvme1n1, /dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_S64HNE0T100003]
        allowInitialize: [/dev/disk/by-id/nvme-SAMSUNG_MZQL23T8HCLS-00A07_S64HNE0T100003]
        virtualDrives:
          - {size: 2Ti, filesystem: ext4, mountPath: /var/mnt/supremeraid/scratch}
          - {mountPath: /var/mnt/supremeraid/vd0, mountOptions: [noatime]}
  workloads:
    mountPath: /var/mnt/supremeraid/vd0
    namespaces:
      - {name: project1, runAsUser: 10000, runAsGroup: 10000}
      - {name: project2, runAsUser: 10001, runAsGroup: 10000, fsGroup: 20000}
`

// loadConfig decodes, defaults and validates baseConfig after edit changed the raw document
// (a generic map, so tests can set any field the way a user would).
func loadConfig(t *testing.T, edit func(doc map[string]any)) *config.SupremeRAID {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal([]byte(baseConfig), &doc); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(doc)
	}
	b, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	cfg, errs := config.Decode(b)
	if len(errs) > 0 {
		t.Fatalf("test config does not decode: %v", errs.ToAggregate())
	}
	cfg.Default()
	if errs := cfg.Validate(); len(errs) > 0 {
		t.Fatalf("test config is not valid: %v", errs.ToAggregate())
	}
	return cfg
}

// at walks doc along keys (map keys, or ints for list indices) and returns the map there.
func at(doc map[string]any, keys ...any) map[string]any {
	var cur any = doc
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m := cur.(map[string]any)
			if _, ok := m[k]; !ok {
				m[k] = map[string]any{}
			}
			cur = m[k]
		case int:
			cur = cur.([]any)[k]
		}
	}
	return cur.(map[string]any)
}

// requireTool finds an external program in PATH. Without it the test is skipped with the
// reason, unless SUPREMERAID_REQUIRE_TOOLS=1 (set by `make test`), where it fails.
func requireTool(t *testing.T, name, install string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := name + " not found in PATH (install with `" + install + "`)"
		if os.Getenv("SUPREMERAID_REQUIRE_TOOLS") == "1" {
			t.Fatalf("SUPREMERAID_REQUIRE_TOOLS=1 but %s", msg)
		}
		t.Skip(msg)
	}
	return p
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}

// strictDecode serialises obj exactly as the function emits it (pruned YAML), converts the YAML
// to JSON and decodes it into the upstream Go type with unknown and duplicate fields as errors,
// so a field the upstream type lacks, a misspelt key or a wrong type fails the test.
func strictDecode(t *testing.T, obj, into any) []byte {
	t.Helper()
	m, err := generators.ToMap(obj)
	if err != nil {
		t.Fatal(err)
	}
	y, err := generators.ToYAML(m)
	if err != nil {
		t.Fatal(err)
	}
	js, err := yaml.YAMLToJSONStrict(y)
	if err != nil {
		t.Fatalf("generated YAML does not convert to JSON: %v\n%s", err, y)
	}
	strict, err := sigsjson.UnmarshalStrict(js, into, sigsjson.DisallowUnknownFields, sigsjson.DisallowDuplicateFields)
	if err != nil {
		t.Fatalf("generated object does not decode: %v", err)
	}
	for _, e := range strict {
		t.Errorf("strict decoding: %v", e)
	}
	return y
}

// envValue returns the value of the container's environment variable name ("" if unset).
func envValue(c corev1.Container, name string) string {
	for _, e := range c.Env {
		if e.Name == name {
			return e.Value
		}
	}
	return ""
}
