package machineconfig

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

func TestNotes(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
		want   []string
	}{
		"generated": {
			reason: "the default pool needs its role label on the nodes, which nothing sets automatically",
			want: []string{"the MachineConfig goes to pool supremeraid only; move each SupremeRAID node into it with " +
				"`oc label node <node> node-role.kubernetes.io/supremeraid=` (one reboot), or set spec.machineConfig.pools: [worker] to reboot every worker instead"},
		},
		"worker": {
			reason: "nothing to tell when the worker pool was chosen",
			mutate: func(c *config.SupremeRAID) { c.Spec.MachineConfig.Pools = []string{"worker"} },
		},
		"disabled": {
			reason: "every kernel argument and file the nodes must have anyway",
			mutate: func(c *config.SupremeRAID) { c.Spec.MachineConfig.Enabled = ptr.To(false) },
			want: []string{"spec.machineConfig.enabled is false, so no MachineConfig is generated; every SupremeRAID node needs " +
				"kernel arguments iommu=pt nvme_core.multipath=Y modprobe.blacklist=nouveau rd.driver.blacklist=nouveau, the file /etc/modprobe.d/graid-blacklist-nouveau.conf, " +
				"the file /etc/udev/rules.d/99-graid-supremeraid-scheduler.rules (their contents are listed in docs/node-platform.md)"},
		},
		"disabled, nothing on the command line": {
			reason: "no kernel-argument clause when there are none",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.MachineConfig.Enabled = ptr.To(false)
				c.Spec.Kernel.IOMMU = ptr.To("")
				c.Spec.Kernel.NVMeMultipath = ptr.To(false)
				c.Spec.Kernel.BlacklistNouveau = ptr.To(false)
			},
			want: []string{"spec.machineConfig.enabled is false, so no MachineConfig is generated; every SupremeRAID node needs " +
				"the file /etc/udev/rules.d/99-graid-supremeraid-scheduler.rules (their contents are listed in docs/node-platform.md)"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Notes(testConfig(t, tc.mutate))); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}
