package krm_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Inputs of a mebibyte or more: the corpus cases that check that huge values are refused fast
// and quoted only in part. They are built here rather than committed; caseDirs writes each
// into a case directory like those under testdata/, so the corpus and golden tests run them
// alongside the checked-in cases.
var hugeCases = []struct {
	corpus string // testdata directory the case belongs with: error or error-resourcelist
	name   string
	file   string // config.yaml or resourcelist.yaml
	input  string
	errors string // errors.txt
}{
	{
		corpus: "error", name: "huge-values", file: "config.yaml",
		input: `# Several 256 KiB values (a mount path, a URL, a label value, a kernel argument): each is reported, none is echoed in full.
apiVersion: supremeraid.dev/v1alpha1
kind: SupremeRAID
metadata: {name: graid}
spec:
  driver:
    version: 1.7.2
    installer: {url: 'https://downloads.example.com/` + strings.Repeat("u", 262144) + ` x', sha256: 3f2b6c1e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a090}
    kmodImage: image-registry.openshift-image-registry.svc:5000/supremeraid/graid-kmod
  nvidia: {driverVersion: 550.90.07}
  raid:
    driveGroups:
    - raidLevel: raid1
      physicalDrives: [/dev/nvme0n1, /dev/nvme1n1]
      virtualDrives:
      - {mountPath: /var/mnt/` + strings.Repeat("m", 262144) + `/}
  nodeSelector: {example.com/zone: ` + strings.Repeat("z", 262144) + `}
  kernel:
    extraArgs: [pci=` + strings.Repeat("p", 262144) + `]
`,
		errors: `spec.driver.installer.url: ^Too long: may not be more than 8192 bytes$
spec.kernel.extraArgs[0]: ^Too long: may not be more than 8192 bytes$
spec.nodeSelector[example.com/zone]: ^Too long: may not be more than 8192 bytes$
spec.raid.driveGroups[0].virtualDrives[0].mountPath: ^Too long: may not be more than 8192 bytes$
`,
	},
	{
		corpus: "error", name: "huge-name", file: "config.yaml",
		input: `# A 1 MiB metadata.name: rejected in milliseconds, and the message quotes only its start.
apiVersion: supremeraid.dev/v1alpha1
kind: SupremeRAID
metadata: {name: ` + strings.Repeat("a", 1048576) + `}
spec:
  driver:
    version: 1.7.2
    installer: {url: 'https://downloads.example.com/graid/graid-sr-installer-1.7.2-010-x86_64.run', sha256: 3f2b6c1e9a8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2b1a090}
    kmodImage: image-registry.openshift-image-registry.svc:5000/supremeraid/graid-kmod
  nvidia: {driverVersion: 550.90.07}
  raid:
    driveGroups:
    - raidLevel: raid1
      physicalDrives: [/dev/nvme0n1, /dev/nvme1n1]
      virtualDrives:
      - {mountPath: /var/mnt/supremeraid/vd0}
`,
		errors: `metadata.name: ^Too long: may not be more than 8192 bytes$
`,
	},
	{
		corpus: "error-resourcelist", name: "huge-functionconfig-kind", file: "resourcelist.yaml",
		input: `# A 1 MiB kind on the functionConfig.
apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: keep-me
    namespace: default
    annotations:
      config.kubernetes.io/path: keep.yaml
  data: {k: v}
functionConfig:
  apiVersion: v1
  kind: ` + strings.Repeat("K", 1048576) + `
  metadata: {name: graid}
`,
		errors: `kind: ^functionConfig must be kind SupremeRAID, apiVersion supremeraid\.dev/v1alpha1; got kind "K+\.\.\. \(1048576 bytes in all\)", apiVersion "v1"$
`,
	},
	{
		corpus: "error-resourcelist", name: "huge-kind", file: "resourcelist.yaml",
		input: `# A 1 MiB kind on the ResourceList: reported, and quoted only in part.
apiVersion: config.kubernetes.io/v1
kind: ` + strings.Repeat("K", 1048576) + `
items: []
`,
		errors: `kind: must be ResourceList \(apiVersion config.kubernetes.io/v1\), got a scalar \("KKKK+\.\.\. \(1048576 bytes in all\)"\) on line 3
`,
	},
}

// caseDirs returns the case directories of one corpus: testdata/<corpus>/* and its huge cases,
// written into a temporary directory.
func caseDirs(t *testing.T, corpus string) []string {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("testdata", corpus, "*"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, c := range hugeCases {
		if c.corpus != corpus {
			continue
		}
		dir := filepath.Join(root, c.name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, c.file), []byte(c.input), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "errors.txt"), []byte(c.errors), 0o644); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	return dirs
}
