package cli

import (
	"flag"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

func schemaCommand() Command {
	var crd *bool
	return Command{
		Name:    "schema",
		Usage:   "[--crd]",
		Summary: "print the config's JSON Schema (or, with --crd, its CRD/OpenAPI form)",
		Help: `Prints the JSON Schema of the SupremeRAID config for editors (for example the YAML language
server: "# yaml-language-server: $schema=supremeraid.schema.json"). With --crd prints the
CustomResourceDefinition generated from the same Go types, for OpenAPI tooling.`,
		Flags: func(fs *flag.FlagSet) {
			crd = fs.Bool("crd", false, "print the CRD (OpenAPI v3) instead of the JSON Schema")
		},
		Run: func(env Env, fs *flag.FlagSet, args []string) int {
			if len(args) > 0 {
				return usageError(env, "schema", "takes no arguments")
			}
			out := config.JSONSchema()
			if *crd {
				out = config.CRD()
			}
			if _, err := env.Stdout.Write(out); err != nil {
				return 1
			}
			return 0
		},
	}
}
