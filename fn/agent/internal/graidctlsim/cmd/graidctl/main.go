// Command graidctl is the test-only SupremeRAID CLI simulator. It must never
// be shipped in an image: it only manipulates files under $GRAIDCTL_SIM_ROOT.
package main

import (
	"os"

	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
)

func main() {
	os.Exit(graidctlsim.Main(os.Args[1:], os.Stdout, os.Stderr))
}
