package nfd

import (
	"fmt"
	"sort"
	"strings"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Notes says which node labels the user must set when no NodeFeatureRule is generated, and warns
// when spec.nodeSelector is not the label the rule sets.
func Notes(cfg *config.SupremeRAID) []string {
	sel := cfg.Spec.NodeSelector
	if !enabled(cfg.Spec.NodeDiscovery.Enabled) {
		labels := map[string]string{
			meta.DevicePluginDeployLabel: "false",
			meta.DriverUpgradeSkipLabel:  "true",
		}
		if len(sel) == 0 {
			labels[config.NodeLabel] = "true"
		}
		for k, v := range sel {
			labels[k] = v
		}
		return []string{"spec.nodeDiscovery.enabled is false, so no NodeFeatureRule is generated; label every SupremeRAID node yourself: " +
			"oc label node <node> " + labelArgs(labels)}
	}
	if len(sel) == 0 || (len(sel) == 1 && sel[config.NodeLabel] == "true") {
		return nil // the selector is the rule's own label
	}
	return []string{fmt.Sprintf("spec.nodeSelector (%s) is not the label the NodeFeatureRule %s sets (%s=true): "+
		"the modules and the node agent run only on nodes that also carry the spec.nodeSelector labels; set them yourself",
		labelArgs(sel), Name(cfg), config.NodeLabel)}
}

// labelArgs renders labels as `oc label` arguments in key order.
func labelArgs(labels map[string]string) string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := make([]string, len(keys))
	for i, k := range keys {
		args[i] = k + "=" + labels[k]
	}
	return strings.Join(args, " ")
}
