// Package generators turns a validated SupremeRAID config into Kubernetes objects. Each output
// family lives in its own package; this file fixes the order in which they run, so output order
// never depends on anything but the config.
package generators

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"supremeraid.dev/supremeraid-fn/generators/base"
	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/kmm"
	"supremeraid.dev/supremeraid-fn/generators/machineconfig"
	"supremeraid.dev/supremeraid-fn/generators/meta"
	"supremeraid.dev/supremeraid-fn/generators/monitoring"
	"supremeraid.dev/supremeraid-fn/generators/nfd"
	"supremeraid.dev/supremeraid-fn/generators/node"
	"supremeraid.dev/supremeraid-fn/generators/nvidia"
	"supremeraid.dev/supremeraid-fn/generators/opa"
	"supremeraid.dev/supremeraid-fn/generators/tenants"
)

// Family is one output family: a generator of objects and, optionally, notes that reach the
// user as info results (for example settings an existing object must have) and rules of its
// own. Like kyaml's framework.Defaulter/Validator split, the config defaults and validates its
// fields; a family validates only limits of what it makes (name or tag lengths an operator
// enforces), which it alone can compute.
type Family struct {
	Name     string
	Generate func(*config.SupremeRAID) ([]any, error)
	Notes    func(*config.SupremeRAID) []string
	Validate func(*config.SupremeRAID) field.ErrorList
}

// Families lists every output family in the order their objects are emitted. To add a family,
// write a package under generators/ with a Generate function and add it here.
func Families() []Family {
	return []Family{
		{Name: base.Component, Generate: base.Generate},
		{Name: nfd.Component, Generate: nfd.Generate, Notes: nfd.Notes},
		{Name: machineconfig.Component, Generate: machineconfig.Generate, Notes: machineconfig.Notes},
		{Name: nvidia.Component, Generate: nvidia.Generate, Notes: nvidia.Notes},
		{Name: kmm.Component, Generate: kmm.Generate, Validate: kmm.Validate},
		{Name: node.Component, Generate: node.Generate},
		{Name: monitoring.Component, Generate: monitoring.Generate},
		{Name: opa.Component, Generate: opa.Generate, Notes: opa.Notes},
		{Name: tenants.Component, Generate: tenants.Generate},
	}
}

// Validate reports every problem of a defaulted config at once: the config's own rules, then
// each family's, in family order.
func Validate(cfg *config.SupremeRAID) field.ErrorList {
	errs := cfg.Validate()
	for _, f := range Families() {
		if f.Validate != nil {
			errs = append(errs, f.Validate(cfg)...)
		}
	}
	return errs
}

// Output is the result of one generation run.
type Output struct {
	// Objects in emission order, as pruned JSON-compatible maps.
	Objects []map[string]any
	// Notes for the user (info results), in family order.
	Notes []string
}

// Generate runs every family on a defaulted, valid config.
func Generate(cfg *config.SupremeRAID) (*Output, error) {
	out := &Output{}
	for _, f := range Families() {
		objs, err := f.Generate(cfg)
		if err != nil {
			return nil, fmt.Errorf("generating %s: %w", f.Name, err)
		}
		for _, o := range objs {
			m, err := ToMap(o)
			if err != nil {
				return nil, fmt.Errorf("generating %s: %w", f.Name, err)
			}
			markGenerated(m, cfg)
			out.Objects = append(out.Objects, m)
		}
		if f.Notes != nil {
			out.Notes = append(out.Notes, f.Notes(cfg)...)
		}
	}
	return out, nil
}

// markGenerated sets the ownership marker on one generated object. It is set here, once for
// every family, so no generator can forget it.
func markGenerated(m map[string]any, cfg *config.SupremeRAID) {
	md, _ := m["metadata"].(map[string]any)
	if md == nil {
		md = map[string]any{}
		m["metadata"] = md
	}
	ann, _ := md["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
		md["annotations"] = ann
	}
	ann[meta.GeneratedByKey] = meta.GeneratedBy(cfg.Name)
}
