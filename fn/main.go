// Command supremeraid-fn is the SupremeRAID KRM function and its command line.
package main

import (
	"os"

	"supremeraid.dev/supremeraid-fn/fn/cli"
	// The node agent's /metrics (kept out of fn/agent so the KRM path stays free of it).
	_ "supremeraid.dev/supremeraid-fn/fn/agent/nodemetrics"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], cli.Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
