package machineconfig

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

func TestKernelArguments(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
		want   []string
	}{
		"defaults": {
			reason: "what the SupremeRAID installer checks for: iommu=pt and native NVMe multipath",
			want:   []string{"iommu=pt", "nvme_core.multipath=Y", "modprobe.blacklist=nouveau", "rd.driver.blacklist=nouveau"},
		},
		"iommu off": {
			reason: "spec.kernel.iommu is written as given",
			mutate: func(c *config.SupremeRAID) { c.Spec.Kernel.IOMMU = ptr.To("off") },
			want:   []string{"iommu=off", "nvme_core.multipath=Y", "modprobe.blacklist=nouveau", "rd.driver.blacklist=nouveau"},
		},
		"iommu empty": {
			reason: "an empty spec.kernel.iommu leaves the argument out",
			mutate: func(c *config.SupremeRAID) { c.Spec.Kernel.IOMMU = ptr.To("") },
			want:   []string{"nvme_core.multipath=Y", "modprobe.blacklist=nouveau", "rd.driver.blacklist=nouveau"},
		},
		"no multipath": {
			reason: "nvmeMultipath: false leaves the kernel default alone rather than forcing N",
			mutate: func(c *config.SupremeRAID) { c.Spec.Kernel.NVMeMultipath = ptr.To(false) },
			want:   []string{"iommu=pt", "modprobe.blacklist=nouveau", "rd.driver.blacklist=nouveau"},
		},
		"extra args": {
			reason: "extraArgs follow, in the given order",
			mutate: func(c *config.SupremeRAID) { c.Spec.Kernel.ExtraArgs = []string{"pci=realloc", "nvme.poll_queues=4"} },
			want:   []string{"iommu=pt", "nvme_core.multipath=Y", "modprobe.blacklist=nouveau", "rd.driver.blacklist=nouveau", "pci=realloc", "nvme.poll_queues=4"},
		},
		"repeated arg": {
			reason: "an argument given twice is written once, at its first place",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.Kernel.ExtraArgs = []string{"pci=realloc", "nvme.poll_queues=4", "pci=realloc"}
			},
			want: []string{"iommu=pt", "nvme_core.multipath=Y", "modprobe.blacklist=nouveau", "rd.driver.blacklist=nouveau", "pci=realloc", "nvme.poll_queues=4"},
		},
		"own iommu value": {
			reason: "with spec.kernel.iommu empty, an iommu= in extraArgs is the only one",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.Kernel.IOMMU = ptr.To("")
				c.Spec.Kernel.ExtraArgs = []string{"iommu=nopt", "intel_iommu=on"}
			},
			want: []string{"nvme_core.multipath=Y", "modprobe.blacklist=nouveau", "rd.driver.blacklist=nouveau", "iommu=nopt", "intel_iommu=on"},
		},
		"nouveau allowed": {
			reason: "blacklistNouveau: false drops the early-boot blacklist with the modprobe.d file",
			mutate: func(c *config.SupremeRAID) { c.Spec.Kernel.BlacklistNouveau = ptr.To(false) },
			want:   []string{"iommu=pt", "nvme_core.multipath=Y"},
		},
		"nothing": {
			reason: "every argument switched off: no kernel arguments at all",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.Kernel.IOMMU = ptr.To("")
				c.Spec.Kernel.NVMeMultipath = ptr.To(false)
				c.Spec.Kernel.BlacklistNouveau = ptr.To(false)
			},
			want: nil,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got := KernelArguments(testConfig(t, tc.mutate))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}

// TestKernelArgumentsDoesNotTouchConfig: de-duplicating must not write into the config's
// extraArgs slice.
func TestKernelArgumentsDoesNotTouchConfig(t *testing.T) {
	c := testConfig(t, func(c *config.SupremeRAID) { c.Spec.Kernel.ExtraArgs = []string{"a=1", "a=1", "b=2"} })
	KernelArguments(c)
	if diff := cmp.Diff([]string{"a=1", "a=1", "b=2"}, c.Spec.Kernel.ExtraArgs); diff != "" {
		t.Errorf("config changed (-want +got):\n%s", diff)
	}
}
