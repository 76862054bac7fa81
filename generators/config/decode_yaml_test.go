package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeYAML12: the decoder reads YAML 1.2 (as kyaml, and so kpt, does) and refuses the
// plain scalars YAML 1.1 tools read otherwise where the config expects a number or a boolean.
func TestDecodeYAML12(t *testing.T) {
	head := "apiVersion: supremeraid.dev/v1alpha1\nkind: SupremeRAID\nmetadata: {name: g}\n"
	cases := map[string]struct {
		reason  string
		in      string
		errPath string // "" means no problem
		errText string
		check   func(t *testing.T, c *SupremeRAID)
	}{
		"leading zero": {
			reason: "01000 is 512 to YAML 1.1 and go-yaml v3, 1000 to YAML 1.2", in: "spec:\n  workloads:\n    namespaces: [{name: a, runAsUser: 01000, runAsGroup: 1}]\n",
			errPath: "spec.workloads.namespaces[0].runAsUser", errText: "leading zero",
		},
		"YAML 1.2 octal": {
			reason: "0o17 is a string to YAML 1.1", in: "spec:\n  workloads:\n    namespaces: [{name: a, runAsUser: 0o17, runAsGroup: 1}]\n",
			errPath: "spec.workloads.namespaces[0].runAsUser", errText: "octal in YAML 1.2",
		},
		"off as a boolean": {
			reason: "off is false only in YAML 1.1", in: "spec:\n  opa: {enabled: off}\n",
			errPath: "spec.opa.enabled", errText: "write true or false",
		},
		"off as a string": {
			reason: "a string in YAML 1.2, as kpt and kustomize read it", in: "spec:\n  kernel: {iommu: off}\n",
			check: func(t *testing.T, c *SupremeRAID) {
				require.NotNil(t, c.Spec.Kernel.IOMMU)
				assert.Equal(t, "off", *c.Spec.Kernel.IOMMU)
			},
		},
		"y as a string": {
			reason: "a tenant named y", in: "spec:\n  workloads:\n    namespaces: [{name: y, runAsUser: 1000, runAsGroup: 1}]\n",
			check: func(t *testing.T, c *SupremeRAID) { assert.Equal(t, "y", c.Spec.Workloads.Namespaces[0].Name) },
		},
		"true is a boolean": {
			reason: "YAML 1.2 booleans are booleans", in: "spec:\n  opa: {enabled: True}\n",
			check: func(t *testing.T, c *SupremeRAID) {
				require.NotNil(t, c.Spec.OPA.Enabled)
				assert.True(t, *c.Spec.OPA.Enabled)
			},
		},
		"infinity names its field": {
			reason: ".inf is no integer", in: "spec:\n  opa: {timeoutSeconds: .inf}\n",
			errPath: "spec.opa.timeoutSeconds", errText: "not a finite number",
		},
		"bad timestamp names its field": {
			reason: "metav1.Time decodes itself; its error is placed", in: "metadata: {name: g, creationTimestamp: yesterday}\n",
			errPath: "metadata.creationTimestamp", errText: "",
		},
		"merge key with override": {
			reason: "merged keys fill in, the mapping's own win",
			in:     "spec:\n  workloads:\n    namespaces:\n    - &t {name: a, runAsUser: 1000, runAsGroup: 5}\n    - {<<: *t, name: b}\n",
			check: func(t *testing.T, c *SupremeRAID) {
				require.Len(t, c.Spec.Workloads.Namespaces, 2)
				assert.Equal(t, "b", c.Spec.Workloads.Namespaces[1].Name)
				assert.Equal(t, int64(1000), c.Spec.Workloads.Namespaces[1].RunAsUser)
			},
		},
		"YAML 1.2 directive": {
			reason: "go-yaml v3 (and so kpt and kustomize) refuses it; the message says what to do",
			in:     "%YAML 1.2\n---\nkind: SupremeRAID\n", errPath: "<document>", errText: "remove the directive",
		},
		"control character in a key": {
			reason: "refused; the path keeps the raw key, the printers escape it (fn/krm)", in: "spec:\n  nodeSelector: {\"a\\nb\": x}\n",
			errPath: "spec.nodeSelector[a\nb]", errText: "control character",
		},
		"carriage return in a path": {
			reason: "a CR in a mount path would reach the node layout", in: "spec:\n  workloads: {containerPath: \"/data\\r\"}\n",
			errPath: "spec.workloads.containerPath", errText: "control character",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			in := tc.in
			if name != "YAML 1.2 directive" {
				in = head + in
				if tc.in[:9] == "metadata:" {
					in = "apiVersion: supremeraid.dev/v1alpha1\nkind: SupremeRAID\n" + tc.in
				}
			}
			cfg, errs := Decode([]byte(in))
			if tc.errPath == "" {
				require.Empty(t, errs, tc.reason)
				require.NotNil(t, cfg)
				if tc.check != nil {
					tc.check(t, cfg)
				}
				return
			}
			require.Len(t, errs, 1, "%s: %v", tc.reason, errs)
			assert.Equal(t, tc.errPath, errs[0].Field, tc.reason)
			assert.Contains(t, errs[0].Error(), tc.errText, tc.reason)
		})
	}
}
