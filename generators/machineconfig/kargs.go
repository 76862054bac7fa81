package machineconfig

import "supremeraid.dev/supremeraid-fn/generators/config"

// Kernel arguments the SupremeRAID installer checks for.
const (
	// NVMeMultipathArg turns on native NVMe multipath in nvme_core.
	NVMeMultipathArg = "nvme_core.multipath=Y"
	// iommuPrefix starts the iommu= argument; its value is spec.kernel.iommu.
	iommuPrefix = "iommu="
	// NouveauBlacklistArgs keep nouveau off the card from the first moment of boot. The
	// /etc/modprobe.d file alone does not: RHCOS boots an initramfs built with the OS image,
	// which does not carry the node's /etc (rpm-ostree regenerates it with /etc only after
	// `rpm-ostree initramfs --enable`), and udev in the initramfs may load nouveau for the GPU.
	// modprobe.blacklist= is read by modprobe everywhere (kmod parses the kernel command line);
	// rd.driver.blacklist= is dracut's own switch for the initramfs.
	NouveauModprobeBlacklistArg = "modprobe.blacklist=nouveau"
	NouveauDracutBlacklistArg   = "rd.driver.blacklist=nouveau"
)

// KernelArguments returns the kernel arguments for the MachineConfig, in a fixed order: iommu=,
// nvme_core.multipath=Y, the nouveau blacklist (spec.kernel.blacklistNouveau), then
// spec.kernel.extraArgs as given. An argument repeated verbatim is
// kept once (the MCO would de-duplicate it too; a clean list is easier to review).
func KernelArguments(cfg *config.SupremeRAID) []string {
	k := cfg.Spec.Kernel
	var args []string
	iommu := config.DefaultIOMMU
	if k.IOMMU != nil {
		iommu = *k.IOMMU
	}
	if iommu != "" {
		args = append(args, iommuPrefix+iommu)
	}
	if on(k.NVMeMultipath) {
		args = append(args, NVMeMultipathArg)
	}
	if on(k.BlacklistNouveau) {
		args = append(args, NouveauModprobeBlacklistArg, NouveauDracutBlacklistArg)
	}
	args = append(args, k.ExtraArgs...)
	var out []string
	seen := map[string]bool{}
	for _, a := range args {
		if !seen[a] {
			seen[a] = true
			out = append(out, a)
		}
	}
	return out
}

// on reads an optional switch whose default is on.
func on(b *bool) bool { return b == nil || *b }
