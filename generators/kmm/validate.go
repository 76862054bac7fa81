package kmm

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Limits the generated Module must meet; Validate enforces them before anything is generated.
const (
	// MaxModuleNameAndNamespace is KMM's admission webhook limit on the Module's name plus its
	// namespace (kernel-module-management internal/webhook/module.go, maxCombinedLength): they
	// are joined into node label names such as kmm.node.kubernetes.io/<ns>.<name>.ready.
	MaxModuleNameAndNamespace = 40
	// MaxImageTagLength is the longest tag an image reference may have (OCI distribution spec).
	MaxImageTagLength = 128
	// KmodTagHashLength is the number of hex digits of the build-input hash in the kmod image tag
	// <driver.version>-<nvidia.driverVersion>-<hash>-<kernel>.
	KmodTagHashLength = 8
	// KmodTagKernelAllowance is the kernel release length the tag leaves room for. RHCOS releases
	// are about 28 characters (5.14.0-427.22.1.el9_4.x86_64), real-time ones about 37.
	KmodTagKernelAllowance = 48
	// kmmUnsignedSuffixFixed is the fixed part of what KMM appends to the tag of the unsigned
	// image when it signs: _<namespace>_<name>_kmm_unsigned (internal/module,
	// IntermediateImageName).
	kmmUnsignedSuffixFixed = len("_" + "_" + "_kmm_unsigned")
)

// Validate checks what only the combination of fields decides: KMM's name limit and the length
// of the kmod image tag this family composes. With a bad metadata.name, which config's Validate
// reports, there is nothing to add.
func Validate(c *config.SupremeRAID) field.ErrorList {
	if !config.NameValid(c.Name) {
		return nil
	}
	var errs field.ErrorList
	s := &c.Spec
	if n := len(meta.ModuleName(c)) + len(s.Namespace); n > MaxModuleNameAndNamespace {
		errs = append(errs, field.Invalid(field.NewPath("spec", "namespace"), s.Namespace,
			fmt.Sprintf("KMM accepts a Module whose name (metadata.name %q) and namespace have at most %d characters together, got %d; shorten either",
				c.Name, MaxModuleNameAndNamespace, n)))
	}
	tag := len(s.Driver.Version) + 1 + len(s.NVIDIA.DriverVersion) + 1 + KmodTagHashLength + 1 + KmodTagKernelAllowance
	if s.Driver.Sign != nil {
		tag += kmmUnsignedSuffixFixed + len(s.Namespace) + len(c.Name)
	}
	// Malformed versions are reported on their own; their length says nothing more.
	if tag > MaxImageTagLength && config.DriverVersionValid(s.Driver.Version) && config.NVIDIADriverVersionValid(s.NVIDIA.DriverVersion) {
		errs = append(errs, field.Invalid(field.NewPath("spec", "driver", "version"), s.Driver.Version,
			fmt.Sprintf("too long for the kernel module image tag <driver.version>-<nvidia.driverVersion>-<hash>-<kernel>: with room for a %d-character kernel release%s it would have %d characters, at most %d are allowed",
				KmodTagKernelAllowance, signNote(s.Driver.Sign), tag, MaxImageTagLength)))
	}
	return errs
}

func signNote(sign *config.Sign) string {
	if sign == nil {
		return ""
	}
	return " and KMM's _<namespace>_<name>_kmm_unsigned suffix (signing is on)"
}
