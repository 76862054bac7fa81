package cli

import (
	"flag"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"supremeraid.dev/supremeraid-fn/fn/krm"
	"supremeraid.dev/supremeraid-fn/generators/config"
)

func renderCommand() Command {
	return Command{
		Name:    "render",
		Usage:   "FILE",
		Summary: "print the manifests generated from a config file (- for stdin)",
		Help: `Reads one SupremeRAID config and prints every generated object as a YAML stream, in the
same order the KRM function emits them. Nothing is printed to stdout when the config has any
problem: every problem goes to stderr with its field path, and the exit code is 1.`,
		Run: func(env Env, fs *flag.FlagSet, args []string) int {
			data, name, code := readConfigArg(env, "render", args)
			if code != 0 {
				return code
			}
			return renderData(env, "render", data, name, krm.Render)
		},
	}
}

// renderData prints the objects generated from one config as a YAML stream, or every problem
// on stderr and nothing on stdout.
func renderData(env Env, cmd string, data []byte, name string, render func([]byte) ([][]byte, []string, field.ErrorList, error)) int {
	docs, notes, problems, err := render(data)
	if len(problems) > 0 {
		return reportProblems(env, name, problems)
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "supremeraid-fn %s: %s: %v\n", cmd, name, err)
		return 1
	}
	for i, d := range docs {
		if i > 0 {
			fmt.Fprintln(env.Stdout, "---")
		}
		if _, err := env.Stdout.Write(d); err != nil {
			fmt.Fprintf(env.Stderr, "supremeraid-fn %s: writing output: %v\n", cmd, err)
			return 1
		}
	}
	for _, n := range notes {
		fmt.Fprintf(env.Stderr, "info: %s\n", n)
	}
	return 0
}

func validateCommand() Command {
	return Command{
		Name:    "validate",
		Usage:   "FILE",
		Summary: "check a config file and report every problem with its field path",
		Help: `Decodes, defaults and validates one SupremeRAID config without generating anything.
Prints "FILE: valid" and exits 0, or prints every problem (field path, what is wrong, what is
allowed) and exits 1.`,
		Run: func(env Env, fs *flag.FlagSet, args []string) int {
			data, name, code := readConfigArg(env, "validate", args)
			if code != 0 {
				return code
			}
			if _, problems := krm.Load(data); len(problems) > 0 {
				return reportProblems(env, name, problems)
			}
			fmt.Fprintf(env.Stdout, "%s: valid\n", name)
			return 0
		},
	}
}

func versionCommand() Command {
	return Command{
		Name:    "version",
		Usage:   "",
		Summary: "print the version",
		Help:    "Prints the version this binary was built as.",
		Run: func(env Env, fs *flag.FlagSet, args []string) int {
			if len(args) > 0 {
				return usageError(env, "version", "takes no arguments")
			}
			fmt.Fprintf(env.Stdout, "supremeraid-fn %s\n", Version)
			return 0
		},
	}
}

// readConfigArg reads the single FILE argument ("-" is stdin).
func readConfigArg(env Env, cmd string, args []string) ([]byte, string, int) {
	if len(args) != 1 {
		return nil, "", usageError(env, cmd, "needs exactly one FILE argument")
	}
	name := args[0]
	var data []byte
	var err error
	if name == "-" {
		data, err = readBounded(env.Stdin, "standard input")
		name = "<stdin>"
	} else {
		var f *os.File
		if f, err = os.Open(name); err == nil {
			data, err = readBounded(f, name)
			f.Close()
		}
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "supremeraid-fn %s: %v\n", cmd, err)
		return nil, "", 1
	}
	return data, name, 0
}

// reportProblems prints every problem as "FILE: PATH: message" and returns exit code 1.
func reportProblems(env Env, name string, problems field.ErrorList) int {
	for _, p := range problems {
		fmt.Fprintf(env.Stderr, "%s: %s\n", name, krm.ProblemText(p))
	}
	fmt.Fprintf(env.Stderr, "%s: %d problem(s); nothing generated\n", name, krm.CountProblems(problems))
	return 1
}

// readBounded reads at most config.MaxInputBytes: /dev/zero or a wrong file must end in a
// clear message, not in a process that grows until the machine swaps.
func readBounded(r io.Reader, what string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, config.MaxInputBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > config.MaxInputBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB; a config (or a ResourceList) is far smaller: is it the right input?", what, config.MaxInputBytes>>20)
	}
	return data, nil
}
