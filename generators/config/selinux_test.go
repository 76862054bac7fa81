package config

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDerivedSELinuxLevel(t *testing.T) {
	assert.Equal(t, DerivedSELinuxLevel("project1"), DerivedSELinuxLevel("project1"), "stable")
	seen := map[string]string{}
	for i := range 2000 {
		name := fmt.Sprintf("tenant-%d", i)
		l := DerivedSELinuxLevel(name)
		a, b, err := ParseMCSLevel(l)
		require.NoError(t, err, "%s -> %s", name, l)
		assert.Less(t, a, b)
		assert.LessOrEqual(t, b, MaxMCSCategory)
		seen[l] = name
	}
	// 2000 names over 523,776 pairs: a few collisions are expected, not many.
	assert.Greater(t, len(seen), 1990, "derived levels spread over the category pairs")
}

func TestValidateSELinuxLevel(t *testing.T) {
	cases := map[string]struct {
		reason string
		levels []string
		want   []string
	}{
		"derived":       {reason: "left out, each tenant gets its own derived level", levels: []string{"", ""}},
		"explicit":      {reason: "two categories in ascending order", levels: []string{"s0:c0,c1023", "s0:c5,c6"}},
		"one category":  {reason: "OpenShift levels have two categories", levels: []string{"s0:c5", ""}, want: []string{"spec.workloads.namespaces[0].seLinuxLevel: Invalid value: \"s0:c5\": must be s0:cA,cB"}},
		"descending":    {reason: "written as OpenShift writes them", levels: []string{"s0:c9,c3", ""}, want: []string{"spec.workloads.namespaces[0].seLinuxLevel: Invalid value: \"s0:c9,c3\": categories must be distinct, in ascending order"}},
		"out of range":  {reason: "c1023 is the last category", levels: []string{"s0:c1,c1024", ""}, want: []string{"at most c1023"}},
		"shared level":  {reason: "two tenants with one level can open each other's files", levels: []string{"s0:c1,c2", "s0:c1,c2"}, want: []string{"spec.workloads.namespaces[1].seLinuxLevel: Invalid value: \"s0:c1,c2\": is also the level of spec.workloads.namespaces[0] (team)"}},
		"derived clash": {reason: "an explicit level equal to another tenant's derived one", levels: []string{"", DerivedSELinuxLevel("team")}, want: []string{"is also the level of spec.workloads.namespaces[0] (team)"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := valid()
			c.Spec.Workloads.Namespaces = []TenantNamespace{
				{Name: "team", RunAsUser: 10000, RunAsGroup: 10000, SELinuxLevel: tc.levels[0]},
				{Name: "other", RunAsUser: 10001, RunAsGroup: 10001, SELinuxLevel: tc.levels[1]},
			}
			c.Default()
			errs := c.Validate()
			require.Len(t, errs, len(tc.want), "%s: %v", tc.reason, errs)
			for i, w := range tc.want {
				assert.Contains(t, errs[i].Error(), w, tc.reason)
			}
		})
	}
}
