// Command refgen writes docs/config-reference.md from the config's JSON Schema (run by
// `make generate` after schemagen).
package main

import (
	"fmt"
	"os"

	"supremeraid.dev/supremeraid-fn/generators/config/internal/reference"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: refgen SCHEMA.json OUT.md")
		os.Exit(2)
	}
	schema, err := os.ReadFile(os.Args[1])
	if err == nil {
		var md string
		if md, err = reference.Markdown(schema); err == nil {
			err = os.WriteFile(os.Args[2], []byte(md), 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "refgen:", err)
		os.Exit(1)
	}
}
