// Package krm is the KRM function: it finds the SupremeRAID config in a ResourceList, validates
// it, runs the generators and returns their objects or the problems as results.
package krm

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"supremeraid.dev/supremeraid-fn/generators"
	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/node"
)

// Load decodes, defaults and validates one config document. A nil config means errs holds
// every problem found, each with values it quotes shortened (see boundProblems).
func Load(data []byte) (*config.SupremeRAID, field.ErrorList) {
	cfg, errs := config.Decode(data)
	if len(errs) > 0 {
		return nil, boundProblems(errs)
	}
	cfg.Default()
	if errs := cfg.Validate(); len(errs) > 0 {
		return nil, boundProblems(errs)
	}
	// What the node agent would refuse (mount options such as bind) is a config problem too.
	if errs := node.Validate(cfg); len(errs) > 0 {
		return nil, boundProblems(errs)
	}
	return cfg, nil
}

// Render loads a config and generates its objects as YAML documents, in emission order.
func Render(data []byte) ([][]byte, []string, field.ErrorList, error) {
	cfg, errs := Load(data)
	if len(errs) > 0 {
		return nil, nil, errs, nil
	}
	out, err := generators.Generate(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	docs := make([][]byte, 0, len(out.Objects))
	for _, m := range out.Objects {
		y, err := generators.ToYAML(m)
		if err != nil {
			return nil, nil, nil, err
		}
		docs = append(docs, y)
	}
	return docs, out.Notes, nil, nil
}
