package cli

import "supremeraid.dev/supremeraid-fn/fn/agent"

// nodeCommand is the node agent the generated DaemonSet runs on every SupremeRAID node. It is a
// subcommand of the same binary so the image carries one tested Go program.
func nodeCommand() Command {
	return Command{
		Name:    "node",
		Usage:   "--layout FILE [flags]",
		Summary: "node agent: create the RAID layout, make filesystems, mount (runs in the DaemonSet)",
		Passthrough: func(env Env, args []string) int {
			return agent.Main(args, env.Stdout, env.Stderr)
		},
	}
}
