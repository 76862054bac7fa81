// Package opachart builds, from our generated Helm values, what the
// opa-kube-mgmt chart (11.x) would install for the admission path: the
// MutatingWebhookConfiguration, the `opa run` flags with the chart's
// bootstrap authorization policy, and the kube-mgmt settings (which
// ConfigMaps hold policy, which resources are replicated and where). The
// generated values are merged over the chart's own defaults the way Helm
// merges them, so a chart default we do not override takes effect here as
// it would in a cluster.
//
// The chart's templates are not vendored; each builder names the template it
// follows. The one deliberate difference: the webhook calls OPA by URL on
// loopback instead of through a Service, since a Service's endpoints cannot
// point at 127.0.0.1.
package opachart

// Merge returns overrides merged over defaults as Helm merges user values
// over a chart's values.yaml: maps merge key by key, recursively; any other
// value in overrides (a list, a scalar) replaces the default whole; a null in
// overrides deletes the key. Neither input is modified.
func Merge(defaults, overrides map[string]any) map[string]any {
	out := make(map[string]any, len(defaults)+len(overrides))
	for k, v := range defaults {
		out[k] = v
	}
	for k, over := range overrides {
		if over == nil {
			delete(out, k)
			continue
		}
		overMap, overIsMap := over.(map[string]any)
		defMap, defIsMap := out[k].(map[string]any)
		if overIsMap && defIsMap {
			out[k] = Merge(defMap, overMap)
			continue
		}
		out[k] = over
	}
	return out
}
