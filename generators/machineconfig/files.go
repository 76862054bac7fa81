package machineconfig

import (
	"fmt"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// NodeFile is one file the MachineConfig writes on every node of a pool.
type NodeFile struct {
	Path     string
	Mode     int // permission bits, e.g. 0o644
	Contents string
}

// FileMode of every file written: root-owned configuration, world-readable as udev and modprobe
// expect, writable only by root.
const FileMode = 0o644

// NouveauBlacklistPath is where the nouveau blacklist goes; the <name> prefix keeps it from
// colliding with a blacklist another MachineConfig (or the GPU Operator docs) writes.
func NouveauBlacklistPath(cfg *config.SupremeRAID) string {
	return "/etc/modprobe.d/" + cfg.Name + "-blacklist-nouveau.conf"
}

// SchedulerRulePath is the udev rule setting the I/O scheduler of SupremeRAID virtual drives.
// 99- orders it after the distribution's rules, which set a default scheduler.
func SchedulerRulePath(cfg *config.SupremeRAID) string {
	return "/etc/udev/rules.d/99-" + cfg.Name + "-supremeraid-scheduler.rules"
}

// Files returns the files every node of the pool gets, in a fixed order.
func Files(cfg *config.SupremeRAID) []NodeFile {
	var files []NodeFile
	if on(cfg.Spec.Kernel.BlacklistNouveau) {
		files = append(files, NodeFile{Path: NouveauBlacklistPath(cfg), Mode: FileMode, Contents: fmt.Sprintf(
			"# Written by supremeraid-fn (%s). SupremeRAID drives its GPU through the NVIDIA driver;\n"+
				"# nouveau must not bind the card first.\n"+
				"blacklist nouveau\n"+
				"options nouveau modeset=0\n", cfg.Name)})
	}
	// gdg<group>n<drive> are SupremeRAID virtual drives. DEVTYPE=="disk" leaves out their
	// partitions, which have no queue/ of their own.
	files = append(files, NodeFile{Path: SchedulerRulePath(cfg), Mode: FileMode, Contents: fmt.Sprintf(
		"# Written by supremeraid-fn (%s). SupremeRAID virtual drives (/dev/gdg<group>n<drive>) are\n"+
			"# scheduled by the RAID engine on the GPU; a kernel I/O scheduler in front only adds latency.\n"+
			`ACTION=="add|change", SUBSYSTEM=="block", KERNEL=="gdg*", ENV{DEVTYPE}=="disk", ATTR{queue/scheduler}="none"`+"\n",
		cfg.Name)})
	return files
}
