package cli

import (
	"fmt"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"

	"supremeraid.dev/supremeraid-fn/fn/krm"
)

// runFunction is the KRM function mode. The ResourceList always goes to stdout so kpt can show
// the results; errors also go to stderr because kustomize shows only stderr.
func runFunction(env Env) int {
	in, err := readBounded(env.Stdin, "standard input")
	if err != nil {
		// kpt shows results, not stderr: answer with a ResourceList that says why.
		rl := &fn.ResourceList{FunctionConfig: fn.NewEmptyKubeObject(), Results: fn.Results{{Severity: fn.Error, Message: "reading stdin: " + err.Error()}}}
		if out, yerr := rl.ToYAML(); yerr == nil {
			_, _ = env.Stdout.Write(out)
		}
		fmt.Fprintf(env.Stderr, "supremeraid-fn: reading stdin: %v\n", err)
		return 1
	}
	out, err := krm.Run(in)
	if len(out) > 0 {
		if _, werr := env.Stdout.Write(out); werr != nil {
			fmt.Fprintf(env.Stderr, "supremeraid-fn: writing stdout: %v\n", werr)
			return 1
		}
	}
	if err == nil {
		return 0
	}
	// Run returns the results' summary on failure; print each error result on its own line.
	rl, perr := fn.ParseResourceList(out)
	if perr != nil || len(rl.Results) == 0 {
		fmt.Fprintf(env.Stderr, "supremeraid-fn: %v\n", err)
		return 1
	}
	for _, r := range rl.Results {
		if r.Severity == fn.Error {
			fmt.Fprintf(env.Stderr, "supremeraid-fn: %s\n", formatResult(r))
		}
	}
	return 1
}

func formatResult(r *fn.Result) string {
	s := ""
	if r.File != nil && r.File.Path != "" {
		s = r.File.Path + ": "
	}
	if r.Field != nil && r.Field.Path != "" {
		s += r.Field.Path + ": "
	}
	return s + r.Message
}
