package machineconfig

import (
	"fmt"
	"strings"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// Notes says how nodes join the custom pool, or lists, when no MachineConfig is generated, the
// kernel arguments and files the nodes must already have.
func Notes(cfg *config.SupremeRAID) []string {
	if on(cfg.Spec.MachineConfig.Enabled) {
		// A custom pool selects nodes by a role label nothing sets automatically: without it
		// the SupremeRAID nodes never get the kernel arguments.
		if cp := cfg.Spec.MachineConfig.CustomPool; cp != nil {
			return []string{fmt.Sprintf("the MachineConfig goes to pool %s only; move each SupremeRAID node into it with "+
				"`oc label node <node> %s%s=` (one reboot), or set spec.machineConfig.pools: [worker] to reboot every worker instead",
				cp.Name, NodeRolePrefix, cp.Name)}
		}
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
		strings.Join(need, ", ") + " (their contents are listed in docs/node-platform.md)"}
}
