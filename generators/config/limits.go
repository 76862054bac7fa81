package config

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxStringBytes bounds every string (and map key) of a config. The longest legitimate value,
// an installer URL with a signed query, fits easily; anything longer is a mistake (a pasted file,
// a runaway template). Refusing it while decoding keeps the validator's regular expressions
// (about 150 ms per MiB) away from it and the message short: the value is never quoted.
const maxStringBytes = 8192

// underAnnotations reports whether p lies in metadata.annotations, which belong to the
// orchestrators (kpt and kustomize write their own there), are never read by a regular
// expression here, and have the API server's own 256 KiB limit. Called only for an over-long
// string, so the path is rendered only then.
func underAnnotations(p *field.Path) bool {
	if p == nil {
		return false
	}
	s := p.String()
	return s == "metadata.annotations" || strings.HasPrefix(s, "metadata.annotations[")
}
