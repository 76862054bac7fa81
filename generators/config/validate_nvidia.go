package config

import (
	"fmt"
	"strconv"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// GPU Operator releases whose ClusterPolicy shape differs; see NVIDIA.OperatorVersion.
const (
	// MinGPUOperatorVersion is the oldest release whose ClusterPolicy CRD accepts every field the
	// nvidia generator sets (checked against the v24.9.2 CRD in generators/nvidia/testdata).
	MinGPUOperatorVersion = "24.9"
	// KernelModuleTypeSince is the first release with driver.kernelModuleType; from it on
	// driver.useOpenKernelModules is no longer honoured (its CRD description says so).
	KernelModuleTypeSince = "25.3"
	// DefaultGPUOperatorVersion is assumed when operatorVersion is unset.
	DefaultGPUOperatorVersion = "v25.3"
)

// GPUOperatorRelease is a parsed operatorVersion: major and minor (the patch does not change
// the ClusterPolicy's shape).
type GPUOperatorRelease struct{ Major, Minor int }

// ParseGPUOperatorVersion reads "v24.9.2", "24.9" or "25.10".
func ParseGPUOperatorVersion(v string) (GPUOperatorRelease, error) {
	parts := strings.Split(strings.TrimPrefix(v, "v"), ".")
	if len(parts) < 2 || len(parts) > 3 {
		return GPUOperatorRelease{}, fmt.Errorf("must be a GPU Operator release like v24.9.2 or 25.3")
	}
	var nums [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || p == "" || (len(p) > 1 && p[0] == '0') {
			return GPUOperatorRelease{}, fmt.Errorf("must be a GPU Operator release like v24.9.2 or 25.3")
		}
		nums[i] = n
	}
	return GPUOperatorRelease{nums[0], nums[1]}, nil
}

// AtLeast reports whether r is release v (major.minor) or later.
func (r GPUOperatorRelease) AtLeast(v string) bool {
	o, err := ParseGPUOperatorVersion(v)
	if err != nil {
		panic(err)
	}
	return r.Major > o.Major || (r.Major == o.Major && r.Minor >= o.Minor)
}

// GPUOperator returns the configured GPU Operator release, the default when unset. It assumes
// Validate passed.
func (n *NVIDIA) GPUOperator() GPUOperatorRelease {
	v := n.OperatorVersion
	if v == "" {
		v = DefaultGPUOperatorVersion
	}
	r, err := ParseGPUOperatorVersion(v)
	if err != nil {
		r, _ = ParseGPUOperatorVersion(DefaultGPUOperatorVersion)
	}
	return r
}

// validateGPUStack checks the GPU Operator and KMM settings that only make sense together.
func validateGPUStack(c *SupremeRAID) field.ErrorList {
	var errs field.ErrorList
	s := &c.Spec
	nv := field.NewPath("spec", "nvidia")
	if v := s.NVIDIA.OperatorVersion; v != "" {
		r, err := ParseGPUOperatorVersion(v)
		switch {
		case err != nil:
			errs = append(errs, field.Invalid(nv.Child("operatorVersion"), v, err.Error()))
		case !r.AtLeast(MinGPUOperatorVersion):
			errs = append(errs, field.Invalid(nv.Child("operatorVersion"), v,
				fmt.Sprintf("GPU Operator %d.%d is not supported: the ClusterPolicy this function writes needs %s or later; upgrade the operator, or set spec.nvidia.clusterPolicy: false and write the policy yourself (see `supremeraid-fn notes`)",
					r.Major, r.Minor, MinGPUOperatorVersion)))
		}
	}
	switch s.NVIDIA.DevicePlugin {
	case "", DevicePluginPerNode, DevicePluginDisabled:
	default:
		errs = append(errs, field.NotSupported(nv.Child("devicePlugin"), s.NVIDIA.DevicePlugin,
			[]string{string(DevicePluginPerNode), string(DevicePluginDisabled)}))
	}

	d := field.NewPath("spec", "driver")
	if s.Driver.ImageRepoSecret != "" && isInternalRegistry(s.Driver.KmodImage) && !s.Driver.ImageRepoSecretCoversBuild {
		errs = append(errs, field.Invalid(d.Child("imageRepoSecret"), s.Driver.ImageRepoSecret,
			fmt.Sprintf("with kmodImage in OpenShift's internal registry (%s), KMM's build pushes with this secret instead of the builder service account's own token, and a pull-only secret fails the push; "+
				"remove imageRepoSecret (the internal registry needs none), or give it push access (a token of a service account with the system:image-builder role in the image's project) and set spec.driver.imageRepoSecretCoversBuild: true",
				InternalRegistry)))
	}
	if s.Driver.Sign != nil && len(s.Tolerations) > 0 && !s.Driver.Sign.SchedulableWithTolerations {
		errs = append(errs, field.Invalid(field.NewPath("spec", "tolerations"), fmt.Sprintf("%d toleration(s)", len(s.Tolerations)),
			"with spec.driver.sign set, KMM runs the sign step on the Module's nodes (spec.nodeSelector) as an OpenShift Build, which takes no tolerations: on tainted SupremeRAID nodes it never schedules and no signed image is made; "+
				"remove the taints the tolerations are for, sign the modules outside the cluster, or, if some selected node is untainted (or your KMM signs in pods that carry the Module's tolerations), set spec.driver.sign.schedulableWithTolerations: true"))
	}
	return errs
}

// isInternalRegistry reports whether image is in OpenShift's integrated registry.
func isInternalRegistry(image string) bool {
	host, _, _ := strings.Cut(image, "/")
	return host == InternalRegistry || host == "image-registry.openshift-image-registry.svc" ||
		strings.HasPrefix(host, "default-route-openshift-image-registry.")
}
