// Command schemagen writes the JSON Schema derived from the generated CRD (run by `make generate`).
package main

import (
	"fmt"
	"os"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: schemagen CRD.yaml OUT.json")
		os.Exit(2)
	}
	crd, err := os.ReadFile(os.Args[1])
	if err == nil {
		var js []byte
		if js, err = config.JSONSchemaFromCRD(crd); err == nil {
			err = os.WriteFile(os.Args[2], js, 0o644)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}
