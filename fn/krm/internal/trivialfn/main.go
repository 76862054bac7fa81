// Command trivialfn is the yardstick of the performance goals (docs/performance.md): the
// smallest useful generator written with the kpt fn SDK. It reads a ResourceList, adds one
// ConfigMap and writes the ResourceList, as fn.AsMain does for any SDK function; `version`
// prints a line and exits, to measure start-up alone. `make bench` builds it with the flags of
// bin/supremeraid-fn and runs both as whole processes on the same inputs.
package main

import (
	"fmt"
	"os"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "version" {
		fmt.Println("trivialfn")
		return
	}
	if err := fn.AsMain(fn.ResourceListProcessorFunc(addConfigMap)); err != nil {
		os.Exit(1)
	}
}

// addConfigMap adds one ConfigMap named after the functionConfig.
func addConfigMap(rl *fn.ResourceList) (bool, error) {
	cm := fn.NewEmptyKubeObject()
	if err := cm.SetAPIVersion("v1"); err != nil {
		return false, err
	}
	if err := cm.SetKind("ConfigMap"); err != nil {
		return false, err
	}
	name := "trivial"
	if rl.FunctionConfig != nil && rl.FunctionConfig.GetName() != "" {
		name = rl.FunctionConfig.GetName()
	}
	if err := cm.SetName(name); err != nil {
		return false, err
	}
	if err := cm.SetNestedStringMap(map[string]string{"generated": "true"}, "data"); err != nil {
		return false, err
	}
	return true, rl.UpsertObjectToItems(cm, nil, false)
}
