package config

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateNVIDIADriverImage checks the image the kmod build takes the NVIDIA source from.
func validateNVIDIADriverImage(p *field.Path, n *NVIDIA) field.ErrorList {
	img := n.DriverImage
	derived := DefaultNVIDIADriverImageRepo + ":" + n.DriverVersion + "-" + DefaultNVIDIADriverImageOS
	if img == "" || (img == derived && !nvidiaVerRe.MatchString(n.DriverVersion)) {
		return nil // defaulted from a missing or bad driverVersion, which is reported already
	}
	if !imageRefRe.MatchString(img) {
		return field.ErrorList{field.Invalid(p, img, "must be an image reference like nvcr.io/nvidia/driver:550.90.07-rhcos4.16 or nvcr.io/nvidia/driver@sha256:<digest>")}
	}
	tag, digest := splitImageRef(img)
	switch {
	case tag == "" && digest == "":
		return field.ErrorList{field.Invalid(p, img, "needs a tag or, better, a digest: the build must take the NVIDIA source of exactly spec.nvidia.driverVersion")}
	case tag != "" && nvidiaVerRe.MatchString(n.DriverVersion) && tag != n.DriverVersion && !strings.HasPrefix(tag, n.DriverVersion+"-"):
		return field.ErrorList{field.Invalid(p, img, fmt.Sprintf("the tag %q is not of driver version %s (NVIDIA tags it %s-<os>, e.g. %s-%s)",
			tag, n.DriverVersion, n.DriverVersion, n.DriverVersion, DefaultNVIDIADriverImageOS))}
	}
	return nil
}

// splitImageRef returns the tag and digest of an image reference; a registry port is no tag.
func splitImageRef(ref string) (tag, digest string) {
	ref, digest, _ = strings.Cut(ref, "@")
	last := ref[strings.LastIndex(ref, "/")+1:]
	if i := strings.LastIndex(last, ":"); i >= 0 {
		tag = last[i+1:]
	}
	return tag, digest
}

func validateKernelModuleType(p *field.Path, t NVIDIAKernelModuleType) field.ErrorList {
	switch t {
	case NVIDIAProprietary, NVIDIAOpen:
		return nil
	}
	return field.ErrorList{field.NotSupported(p, string(t), []string{string(NVIDIAProprietary), string(NVIDIAOpen)})}
}

// validateGateLabel keeps the node selector from fighting the driver-version gate, which the
// generators add from spec.nvidia.driverVersion.
func validateGateLabel(p *field.Path, selector map[string]string) field.ErrorList {
	if _, ok := selector[DriverVersionLabel]; ok {
		return field.ErrorList{field.Forbidden(p.Key(DriverVersionLabel), "set from spec.nvidia.driverVersion by this function; remove it from the node selector")}
	}
	return nil
}

var tolerationEffects = []string{string(corev1.TaintEffectNoSchedule), string(corev1.TaintEffectPreferNoSchedule), string(corev1.TaintEffectNoExecute)}

// validateTolerations applies the API server's and KMM's webhook rules, so a bad toleration is
// reported here rather than as a rejected Module or DaemonSet.
func validateTolerations(p *field.Path, tols []corev1.Toleration) field.ErrorList {
	var errs field.ErrorList
	for i, t := range tols {
		ip := p.Index(i)
		if t.Key != "" {
			for _, msg := range validation.IsQualifiedName(t.Key) {
				errs = append(errs, field.Invalid(ip.Child("key"), t.Key, msg))
			}
		}
		switch t.Operator {
		case corev1.TolerationOpEqual, "":
			if t.Key == "" {
				errs = append(errs, field.Invalid(ip.Child("operator"), string(t.Operator), "must be Exists when key is empty (tolerate every taint)"))
			}
			for _, msg := range validation.IsValidLabelValue(t.Value) {
				errs = append(errs, field.Invalid(ip.Child("value"), t.Value, msg))
			}
		case corev1.TolerationOpExists:
			if t.Value != "" {
				errs = append(errs, field.Invalid(ip.Child("value"), t.Value, "must be empty when operator is Exists"))
			}
		default:
			errs = append(errs, field.NotSupported(ip.Child("operator"), string(t.Operator), []string{string(corev1.TolerationOpEqual), string(corev1.TolerationOpExists)}))
		}
		if t.Effect != "" && !slices.Contains(tolerationEffects, string(t.Effect)) {
			errs = append(errs, field.NotSupported(ip.Child("effect"), string(t.Effect), tolerationEffects))
		}
		if t.TolerationSeconds != nil && t.Effect != corev1.TaintEffectNoExecute {
			errs = append(errs, field.Invalid(ip.Child("tolerationSeconds"), *t.TolerationSeconds, "only with effect NoExecute"))
		}
	}
	return errs
}
