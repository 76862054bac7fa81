package apply

import (
	"slices"
)

// rank orders objects so that each one's prerequisites exist when it is
// applied: CustomResourceDefinitions before the custom resources they
// serve, Namespaces before what lives in them, and admission configuration
// last so that a webhook or policy in the set does not intercept the
// creation of its own siblings (the same reason Helm installs webhooks late).
func rank(o Object) int {
	gk := o.GroupVersionKind().GroupKind()
	switch {
	case gk.Group == "apiextensions.k8s.io" && gk.Kind == "CustomResourceDefinition":
		return 0
	case gk.Group == "" && gk.Kind == "Namespace":
		return 1
	case gk.Group == "admissionregistration.k8s.io":
		return 3
	default:
		return 2
	}
}

// Order returns objs sorted by rank; objects of equal rank keep their input
// order, so the rendered order (the generator's deliberate one) is kept.
func Order(objs []Object) []Object {
	out := slices.Clone(objs)
	slices.SortStableFunc(out, func(a, b Object) int { return rank(a) - rank(b) })
	return out
}
