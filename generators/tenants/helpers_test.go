package tenants_test

import (
	"bytes"
	"encoding/json"
	"testing"

	corev1 "k8s.io/api/core/v1"
	sigsjson "sigs.k8s.io/json"

	"supremeraid.dev/supremeraid-fn/generators"
	"supremeraid.dev/supremeraid-fn/generators/config"
)

// baseConfig has what every config needs plus three tenants: one with fsGroup equal to its
// group, one with its own fsGroup, and one sharing project1's ids.
const baseConfig = `
apiVersion: supremeraid.dev/v1alpha1
kind: SupremeRAID
metadata:
  name: graid
spec:
  driver:
    version: "1.7.2"
    installer:
      url: https://downloads.example.com/graid-sr-installer-1.7.2-010-x86_64.run
      sha256: 3f2b6c1e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a090
    kmodImage: image-registry.openshift-image-registry.svc:5000/supremeraid/graid-kmod
  nvidia:
    driverVersion: "550.90.07"
  raid:
    driveGroups:
      - raidLevel: raid1
        physicalDrives: [/dev/nvme0n1, /dev/nvme1n1]
        virtualDrives:
          - mountPath: /var/mnt/supremeraid/vd0
  workloads:
    namespaces:
      - {name: project1, runAsUser: 10000, runAsGroup: 10000}
      - {name: project2, runAsUser: 10001, runAsGroup: 10001, fsGroup: 20001}
      - {name: project3, runAsUser: 10000, runAsGroup: 10000}
`

// testConfig decodes baseConfig, applies mutate, then defaults and validates, as the function
// does.
func testConfig(t testing.TB, mutate func(*config.SupremeRAID)) *config.SupremeRAID {
	t.Helper()
	cfg, errs := config.Decode([]byte(baseConfig))
	if len(errs) > 0 {
		t.Fatalf("decoding the test config: %v", errs)
	}
	if mutate != nil {
		mutate(cfg)
	}
	cfg.Default()
	if errs := cfg.Validate(); len(errs) > 0 {
		t.Fatalf("the test config is invalid: %v", errs)
	}
	return cfg
}

// emitted serialises obj as the function emits it (nulls, status and empty mappings dropped)
// and returns the JSON.
func emitted(t testing.TB, obj any) []byte {
	t.Helper()
	m, err := generators.ToMap(obj)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// strictDecode decodes emitted JSON into an upstream Go type, refusing unknown and duplicate
// fields, the way the API server's strict field validation does.
func strictDecode(t testing.TB, js []byte, into any) {
	t.Helper()
	strict, err := sigsjson.UnmarshalStrict(js, into, sigsjson.DisallowUnknownFields, sigsjson.DisallowDuplicateFields)
	if err != nil || len(strict) > 0 {
		t.Fatalf("strict decode into %T: %v %v\n%s", into, err, strict, js)
	}
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// emittedMap is emitted as a generic map.
func emittedMap(t testing.TB, obj any) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(emitted(t, obj), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// asStored is ns as the API server stores it: with the kubernetes.io/metadata.name label it sets
// on every namespace to the namespace's name (and that nobody can change or remove).
func asStored(ns *corev1.Namespace) *corev1.Namespace {
	out := ns.DeepCopy()
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	out.Labels[corev1.LabelMetadataName] = out.Name
	return out
}
