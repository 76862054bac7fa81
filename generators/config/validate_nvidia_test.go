package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
)

// TestValidateGPUStack covers the combinations validate_nvidia.go refuses, each with its
// reason and fix, and the opt-ins that accept them.
func TestValidateGPUStack(t *testing.T) {
	taint := []corev1.Toleration{{Key: "supremeraid.dev/storage", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	internal := InternalRegistry + "/supremeraid/graid-kmod"
	cases := map[string]struct {
		reason string
		mutate func(*SupremeRAID)
		want   []string // substrings of the errors, in order; none means valid
	}{
		"defaults":           {reason: "operatorVersion defaults to v25.3, devicePlugin to perNode"},
		"24.9":               {reason: "the oldest supported release", mutate: func(c *SupremeRAID) { c.Spec.NVIDIA.OperatorVersion = "v24.9.2" }},
		"25.10 no v":         {reason: "a release without the v and patch", mutate: func(c *SupremeRAID) { c.Spec.NVIDIA.OperatorVersion = "25.10" }},
		"disabled plugin":    {reason: "the cluster-wide option", mutate: func(c *SupremeRAID) { c.Spec.NVIDIA.DevicePlugin = DevicePluginDisabled }},
		"external secret":    {reason: "a secret for an external registry is what imageRepoSecret is for", mutate: func(c *SupremeRAID) { c.Spec.Driver.ImageRepoSecret = "pull-push" }},
		"internal no secret": {reason: "the internal registry needs no secret", mutate: func(c *SupremeRAID) { c.Spec.Driver.KmodImage = internal }},
		"24.6": {
			reason: "24.6's CRD lacks fields the policy sets",
			mutate: func(c *SupremeRAID) { c.Spec.NVIDIA.OperatorVersion = "v24.6.2" },
			want:   []string{`spec.nvidia.operatorVersion: Invalid value: "v24.6.2": GPU Operator 24.6 is not supported: the ClusterPolicy this function writes needs 24.9 or later; upgrade the operator, or set spec.nvidia.clusterPolicy: false`},
		},
		"garbage version": {
			reason: "not a release",
			mutate: func(c *SupremeRAID) { c.Spec.NVIDIA.OperatorVersion = "latest" },
			want:   []string{`spec.nvidia.operatorVersion: Invalid value: "latest": must be a GPU Operator release like v24.9.2 or 25.3`},
		},
		"bad device plugin": {
			reason: "an enum",
			mutate: func(c *SupremeRAID) { c.Spec.NVIDIA.DevicePlugin = "off" },
			want:   []string{`spec.nvidia.devicePlugin: Unsupported value: "off": supported values: "perNode", "disabled"`},
		},
		"internal with secret": {
			reason: "KMM's build would push with the secret instead of the builder's token",
			mutate: func(c *SupremeRAID) { c.Spec.Driver.KmodImage = internal; c.Spec.Driver.ImageRepoSecret = "pull-only" },
			want:   []string{`spec.driver.imageRepoSecret: Invalid value: "pull-only": with kmodImage in OpenShift's internal registry`, `remove imageRepoSecret (the internal registry needs none), or give it push access`, `set spec.driver.imageRepoSecretCoversBuild: true`},
		},
		"internal with secret, acknowledged": {
			reason: "the user states the secret can push",
			mutate: func(c *SupremeRAID) {
				c.Spec.Driver.KmodImage = internal
				c.Spec.Driver.ImageRepoSecret = "builder-token"
				c.Spec.Driver.ImageRepoSecretCoversBuild = true
			},
		},
		"sign with tolerations": {
			reason: "the sign build runs on the Module's tainted nodes without tolerations",
			mutate: func(c *SupremeRAID) {
				c.Spec.Tolerations = taint
				c.Spec.Driver.Sign = &Sign{KeySecret: "k", CertSecret: "c"}
			},
			want: []string{`spec.tolerations: Invalid value: "1 toleration(s)": with spec.driver.sign set, KMM runs the sign step on the Module's nodes`, `set spec.driver.sign.schedulableWithTolerations: true`},
		},
		"sign with tolerations, acknowledged": {
			reason: "the user states a selected node is untainted",
			mutate: func(c *SupremeRAID) {
				c.Spec.Tolerations = taint
				c.Spec.Driver.Sign = &Sign{KeySecret: "k", CertSecret: "c", SchedulableWithTolerations: true}
			},
		},
		"sign without tolerations": {
			reason: "untainted nodes: nothing to refuse",
			mutate: func(c *SupremeRAID) { c.Spec.Driver.Sign = &Sign{KeySecret: "k", CertSecret: "c"} },
		},
		"all at once": {
			reason: "every problem is reported together",
			mutate: func(c *SupremeRAID) {
				c.Spec.NVIDIA.OperatorVersion = "23.9"
				c.Spec.Driver.KmodImage = internal
				c.Spec.Driver.ImageRepoSecret = "s"
				c.Spec.Tolerations = taint
				c.Spec.Driver.Sign = &Sign{KeySecret: "k", CertSecret: "c"}
			},
			want: []string{"spec.nvidia.operatorVersion", "spec.driver.imageRepoSecret", "spec.tolerations"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := kmmConfig()
			if tc.mutate != nil {
				tc.mutate(c)
			}
			c.Default()
			errs := validateGPUStack(c)
			if len(tc.want) == 0 {
				assert.Empty(t, errs, tc.reason)
				assert.Empty(t, c.Validate(), "%s: the whole config must validate", tc.reason)
				return
			}
			got := errs.ToAggregate().Error()
			for _, w := range tc.want {
				assert.Contains(t, got, w, tc.reason)
			}
			all := c.Validate().ToAggregate().Error()
			for _, w := range tc.want {
				assert.Contains(t, all, w, "%s: Validate must include it", tc.reason)
			}
		})
	}
}

// TestGPUOperatorRelease checks the version comparison the ClusterPolicy shape hangs on.
func TestGPUOperatorRelease(t *testing.T) {
	for _, tc := range []struct {
		reason, v, since string
		want             bool
	}{
		{"24.9 is before 25.3", "v24.9.2", KernelModuleTypeSince, false},
		{"25.3 itself", "25.3", KernelModuleTypeSince, true},
		{"25.10 is after 25.3 (numeric minor, not text)", "v25.10.1", KernelModuleTypeSince, true},
		{"26.3 is after 25.3", "v26.3.3", KernelModuleTypeSince, true},
		{"24.9 is the minimum", "24.9", MinGPUOperatorVersion, true},
		{"24.6 is below it", "v24.6.2", MinGPUOperatorVersion, false},
	} {
		r, err := ParseGPUOperatorVersion(tc.v)
		if assert.NoError(t, err, tc.reason) {
			assert.Equal(t, tc.want, r.AtLeast(tc.since), tc.reason)
		}
	}
	for _, bad := range []string{"", "25", "v25.x", "25.3.4.1", "latest", "25.03"} {
		_, err := ParseGPUOperatorVersion(bad)
		assert.Error(t, err, "%q must be refused", bad)
	}
	n := &NVIDIA{}
	assert.Equal(t, GPUOperatorRelease{25, 3}, n.GPUOperator(), "unset means the default v25.3")
}
