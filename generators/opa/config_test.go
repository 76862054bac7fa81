package opa

import (
	"testing"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// baseConfig has what every config needs plus two tenants.
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
`

// testConfig decodes baseConfig, applies mutate, then defaults and
// validates, as the function does.
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
