package kmm_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/kmm"
)

// TestValidate checks the limits of the Module and the kmod image tag; each case lists the exact
// field paths it must produce, in order.
func TestValidate(t *testing.T) {
	cases := map[string]struct {
		reason string
		mutate func(*config.SupremeRAID)
		want   []string // "path: substring of the message"
	}{
		"valid": {reason: "the base config passes", mutate: func(*config.SupremeRAID) {}},
		"name and namespace too long for KMM": {
			reason: "KMM's webhook rejects a Module whose name and namespace exceed 40 characters",
			mutate: func(c *config.SupremeRAID) {
				c.Name = strings.Repeat("n", 20)
				c.Spec.Namespace = strings.Repeat("s", 21)
			},
			want: []string{"spec.namespace: at most 40 characters together, got 41"},
		},
		"name and namespace at the limit": {
			reason: "exactly 40 is accepted",
			mutate: func(c *config.SupremeRAID) {
				c.Name = strings.Repeat("n", 20)
				c.Spec.Namespace = strings.Repeat("s", 20)
			},
		},
		"bad name": {
			reason: "a name config's Validate refuses is reported there only",
			mutate: func(c *config.SupremeRAID) {
				c.Name = strings.Repeat("N", 30)
				c.Spec.Namespace = strings.Repeat("s", 21)
			},
		},
		"version too long for the image tag": {
			reason: "the kmod image tag would exceed 128 characters",
			mutate: func(c *config.SupremeRAID) { c.Spec.Driver.Version = "1.7.2-" + strings.Repeat("9", 60) },
			want:   []string{"spec.driver.version: too long for the kernel module image tag"},
		},
		"malformed long version": {
			reason: "a malformed version is reported by config's Validate; its length says nothing more",
			mutate: func(c *config.SupremeRAID) { c.Spec.Driver.Version = "v" + strings.Repeat("9", 80) },
		},
		"signing makes the tag longer": {
			reason: "KMM's unsigned-image suffix counts only when signing is on",
			mutate: func(c *config.SupremeRAID) {
				c.Spec.Driver.Version = "1.7.2-" + strings.Repeat("9", 40)
				c.Spec.Driver.Sign = &config.Sign{KeySecret: "k", CertSecret: "c"}
			},
			want: []string{"spec.driver.version: KMM's _<namespace>_<name>_kmm_unsigned suffix"},
		},
		"same version without signing": {
			reason: "fits without the suffix",
			mutate: func(c *config.SupremeRAID) { c.Spec.Driver.Version = "1.7.2-" + strings.Repeat("9", 40) },
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			// Mutated after testConfig has validated the base: config's Validate would refuse some cases.
			c := testConfig(t, nil)
			tc.mutate(c)
			errs := kmm.Validate(c)
			var got, want []string
			for _, e := range errs {
				got = append(got, e.Field)
			}
			for _, w := range tc.want {
				path, _, _ := strings.Cut(w, ": ")
				want = append(want, path)
			}
			require.Equal(t, want, got, "%s: %v", tc.reason, errs.ToAggregate())
			for i, w := range tc.want {
				_, msg, _ := strings.Cut(w, ": ")
				assert.Contains(t, errs[i].Error(), msg, tc.reason)
			}
		})
	}
}
