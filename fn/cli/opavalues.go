package cli

import (
	"flag"
	"fmt"

	"supremeraid.dev/supremeraid-fn/fn/krm"
	"supremeraid.dev/supremeraid-fn/generators/opa"
)

func opaValuesCommand() Command {
	return Command{
		Name:    "opa-values",
		Usage:   "FILE",
		Summary: "print the Helm values for the opa-kube-mgmt chart (- for stdin)",
		Help: `Reads one SupremeRAID config and prints the values.yaml for the OPA chart opa-kube-mgmt:
a mutating webhook for pod CREATE in tenant namespaces only, failing closed, with kube-mgmt
loading policy from the OPA namespace only and replicating namespaces. Install with

  supremeraid-fn opa-values config.yaml > opa-values.yaml
  helm upgrade --install graid-opa opa-kube-mgmt \
    --repo https://open-policy-agent.github.io/kube-mgmt/charts --version 11.0.7 \
    --namespace opa --create-namespace --values opa-values.yaml

(the release, namespace and version come from the config; the file's header shows the exact
command). Problems in the config go to stderr with their field paths and the exit code is 1.`,
		Run: func(env Env, fs *flag.FlagSet, args []string) int {
			data, name, code := readConfigArg(env, "opa-values", args)
			if code != 0 {
				return code
			}
			cfg, problems := krm.Load(data)
			if len(problems) > 0 {
				return reportProblems(env, name, problems)
			}
			if !*cfg.Spec.OPA.Enabled {
				fmt.Fprintf(env.Stderr, "supremeraid-fn opa-values: %s: spec.opa.enabled is false: there is no OPA webhook to install\n", name)
				return 1
			}
			values, err := opa.ValuesYAML(cfg)
			if err != nil {
				fmt.Fprintf(env.Stderr, "supremeraid-fn opa-values: %s: %v\n", name, err)
				return 1
			}
			if _, err := env.Stdout.Write(values); err != nil {
				fmt.Fprintf(env.Stderr, "supremeraid-fn opa-values: writing output: %v\n", err)
				return 1
			}
			return 0
		},
	}
}
