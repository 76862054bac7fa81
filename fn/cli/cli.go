// Package cli is the command line of the supremeraid-fn binary: with no arguments it is a KRM
// function on stdin/stdout; subcommands render, validate and explain a config directly.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// Version is stamped at build time: -ldflags "-X supremeraid.dev/supremeraid-fn/fn/cli.Version=v1.2.3".
var Version = "dev"

// Env is what a command may touch: its streams, nothing global.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// Command is one subcommand.
type Command struct {
	Name    string
	Usage   string // argument synopsis, e.g. "FILE"
	Summary string // one line for the command list
	Help    string // paragraph(s) shown by --help
	// Run gets the arguments after the command name and returns the exit code.
	Run func(env Env, fs *flag.FlagSet, args []string) int
	// Flags declares the command's flags on fs before parsing (optional).
	Flags func(fs *flag.FlagSet)
	// Passthrough hands the raw arguments to a command with its own flag parsing (optional;
	// replaces Run).
	Passthrough func(env Env, args []string) int
}

// commands in the order `--help` lists them.
func commands() []Command {
	return []Command{
		renderCommand(),
		validateCommand(),
		schemaCommand(),
		opaValuesCommand(),
		argoCDGenerateCommand(),
		nodeCommand(),
		versionCommand(),
	}
}

const mainHelp = `supremeraid-fn turns one SupremeRAID config into the OpenShift manifests that run Graid
SupremeRAID (GPU RAID over NVMe) and hand its volume to workloads.

With no arguments it is a KRM function: it reads a ResourceList on stdin and writes one to
stdout (kustomize generators, kpt fn render/eval, Argo CD through kustomize).

Usage:
  supremeraid-fn                    run as KRM function (stdin -> stdout)
  supremeraid-fn COMMAND [ARGS]     run a command
  supremeraid-fn COMMAND --help     help for a command

Commands:
`

// Main runs the binary with args (without the program name) and returns the exit code.
func Main(args []string, env Env) int {
	if len(args) == 0 {
		return runFunction(env)
	}
	switch args[0] {
	case "-h", "--help", "help":
		if len(args) > 1 && args[0] == "help" {
			if c, ok := lookup(args[1]); ok && c.Passthrough != nil {
				return c.Passthrough(env, []string{"--help"})
			} else if ok {
				printCommandHelp(env.Stdout, c, newFlagSet(c, env))
				return 0
			}
		}
		printMainHelp(env.Stdout)
		return 0
	}
	c, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(env.Stderr, "supremeraid-fn: unknown command %q\n\n", args[0])
		printMainHelp(env.Stderr)
		return 2
	}
	if c.Passthrough != nil {
		return c.Passthrough(env, args[1:])
	}
	fs := newFlagSet(c, env)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	return c.Run(env, fs, fs.Args())
}

func lookup(name string) (Command, bool) {
	for _, c := range commands() {
		if c.Name == name {
			return c, true
		}
	}
	return Command{}, false
}

func newFlagSet(c Command, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(c.Name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	if c.Flags != nil {
		c.Flags(fs)
	}
	fs.Usage = func() { printCommandHelp(env.Stdout, c, fs) }
	return fs
}

func printMainHelp(w io.Writer) {
	fmt.Fprint(w, mainHelp)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.Name, c.Summary)
	}
}

func printCommandHelp(w io.Writer, c Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: supremeraid-fn %s %s\n\n%s\n", c.Name, c.Usage, strings.TrimSpace(c.Help))
	hasFlags := false
	fs.VisitAll(func(*flag.Flag) { hasFlags = true })
	if hasFlags {
		fmt.Fprintln(w, "\nFlags:")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}

// usageError prints a short complaint and the command's usage line, and returns exit code 2.
func usageError(env Env, c string, msg string) int {
	cmd, _ := lookup(c)
	fmt.Fprintf(env.Stderr, "supremeraid-fn %s: %s\nUsage: supremeraid-fn %s %s (see --help)\n", c, msg, c, cmd.Usage)
	return 2
}
