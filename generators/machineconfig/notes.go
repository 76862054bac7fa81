package machineconfig

import (
	"fmt"
	"strings"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// Notes lists, when no MachineConfig is generated, the kernel arguments and files the nodes
// must already have.
func Notes(cfg *config.SupremeRAID) []string {
	if on(cfg.Spec.MachineConfig.Enabled) {
		return nil
	}
	var need []string
	if args := KernelArguments(cfg); len(args) > 0 {
		need = append(need, "kernel arguments "+strings.Join(args, " "))
	}
	for _, f := range Files(cfg) {
		need = append(need, fmt.Sprintf("the file %s", f.Path))
	}
	return []string{"spec.machineConfig.enabled is false, so no MachineConfig is generated; every SupremeRAID node needs " +
		strings.Join(need, ", ") + " (their contents are listed in the README's node platform section)"}
}
