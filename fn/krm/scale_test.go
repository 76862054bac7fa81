package krm_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"supremeraid.dev/supremeraid-fn/fn/krm"
)

// examplePath is the config the README's first command renders; benchmarks and the determinism
// test use it as the "typical" size.
const examplePath = "../../examples/kustomize/supremeraid.yaml"

// Product limits the large config sits at (config.MaxDriveGroups, config.MaxPhysicalDrives).
const (
	largeGroups  = 8
	largeVDs     = 1000
	largeTenants = 1000
)

// scaledConfig writes a valid config with `groups` RAID5 drive groups of four drives each,
// `vds` virtual drives spread round-robin over the groups (absolute sizes, so any number fits in
// a group; mount paths unique under /var and never nested) and `tenants` workload namespaces.
// The YAML is written by hand, in the layout a person would use, so decoding cost is real.
func scaledConfig(groups, vds, tenants int) []byte {
	var b strings.Builder
	b.WriteString(`apiVersion: supremeraid.dev/v1alpha1
kind: SupremeRAID
metadata:
  name: graid
spec:
  namespace: supremeraid
  nodeSelector:
    feature.node.kubernetes.io/supremeraid: "true"
    node-role.kubernetes.io/worker: ""
  driver:
    version: "1.7.2"
    installer:
      url: https://downloads.example.com/graid/graid-sr-installer-1.7.2-010-x86_64.run
      sha256: 3f2b6c1e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a090
    licenseSecret: graid-license
    kmodImage: image-registry.openshift-image-registry.svc:5000/supremeraid/graid-kmod
  nvidia:
    driverVersion: "550.90.07"
  raid:
    driveGroups:
`)
	perGroup := make([][]int, groups)
	for i := 0; i < vds; i++ {
		perGroup[i%groups] = append(perGroup[i%groups], i)
	}
	for g := 0; g < groups; g++ {
		fmt.Fprintf(&b, "      - raidLevel: raid5\n        physicalDrives: [/dev/nvme%dn1, /dev/nvme%dn1, /dev/nvme%dn1, /dev/nvme%dn1]\n        virtualDrives:\n", 4*g, 4*g+1, 4*g+2, 4*g+3)
		for _, v := range perGroup[g] {
			fs := "xfs"
			if v%2 == 1 {
				fs = "ext4"
			}
			fmt.Fprintf(&b, "          - size: %dGi\n            filesystem: %s\n            mountPath: /var/mnt/supremeraid/dg%d/vd%d\n            mountOptions: [noatime]\n", 10+v%90, fs, g, v)
		}
	}
	if tenants > 0 {
		b.WriteString("  workloads:\n    namespaces:\n")
		for i := 0; i < tenants; i++ {
			fmt.Fprintf(&b, "      - name: tenant-%04d\n        runAsUser: %d\n        runAsGroup: %d\n", i, 100000+i, 200000+i%50)
		}
	}
	return []byte(b.String())
}

func largeConfig() []byte { return scaledConfig(largeGroups, largeVDs, largeTenants) }

func readExample(tb testing.TB) []byte {
	tb.Helper()
	b, err := os.ReadFile(examplePath)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// unrelatedItems returns n distinct ConfigMaps as they would reach the function from a
// kustomization: with the orchestrator's path and index annotations.
func unrelatedItems(n int) []string {
	items := make([]string, n)
	for i := range items {
		items[i] = fmt.Sprintf(`apiVersion: v1
kind: ConfigMap
metadata:
  name: app-%05d
  namespace: team-%d
  labels:
    app.kubernetes.io/name: app-%05d
  annotations:
    config.kubernetes.io/path: apps/app-%05d.yaml
    config.kubernetes.io/index: "0"
data:
  key: value-%d
`, i, i%20, i, i, i)
	}
	return items
}

// TestScaledConfigIsValid keeps the benchmark inputs honest: a benchmark of a config the
// validator rejects would only measure the error path.
func TestScaledConfigIsValid(t *testing.T) {
	for _, tc := range []struct {
		reason               string
		groups, vds, tenants int
	}{
		{"the large benchmark config: every product limit at or near its maximum", largeGroups, largeVDs, largeTenants},
		{"the small end of the linearity comparison", largeGroups, 250, 250},
		{"one group, one drive, no tenants", 1, 1, 0},
	} {
		data := scaledConfig(tc.groups, tc.vds, tc.tenants)
		cfg, problems := krm.Load(data)
		if len(problems) > 0 {
			t.Fatalf("%s: scaledConfig(%d, %d, %d) is invalid: %v", tc.reason, tc.groups, tc.vds, tc.tenants, problems)
		}
		got := 0
		for _, dg := range cfg.Spec.RAID.DriveGroups {
			got += len(dg.VirtualDrives)
		}
		if len(cfg.Spec.RAID.DriveGroups) != tc.groups || got != tc.vds || len(cfg.Spec.Workloads.Namespaces) != tc.tenants {
			t.Errorf("%s: got %d groups, %d VDs, %d tenants", tc.reason, len(cfg.Spec.RAID.DriveGroups), got, len(cfg.Spec.Workloads.Namespaces))
		}
	}
}

// wrapRL builds a ResourceList as kustomize sends it: items, then the config as functionConfig.
// It needs no *testing.T, so benchmarks and fuzz targets use it too.
func wrapRL(functionConfig string, items ...string) []byte {
	var b strings.Builder
	b.WriteString("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n")
	if len(items) == 0 {
		b.WriteString("items: []\n")
	} else {
		b.WriteString("items:\n")
	}
	for _, it := range items {
		b.WriteString(indentItem(it))
	}
	if functionConfig != "" {
		b.WriteString("functionConfig:\n")
		for _, l := range strings.Split(strings.TrimRight(functionConfig, "\n"), "\n") {
			b.WriteString("  " + l + "\n")
		}
	}
	return []byte(b.String())
}
