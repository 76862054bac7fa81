package config

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateTenants(t *testing.T) {
	tenant := func(uid, gid int64, fsg *int64) func(*SupremeRAID) {
		return func(c *SupremeRAID) {
			c.Spec.Workloads.Namespaces = []TenantNamespace{{Name: "team", RunAsUser: uid, RunAsGroup: gid, FSGroup: fsg}}
		}
	}
	creators := func(users, groups []string) func(*SupremeRAID) {
		return func(c *SupremeRAID) {
			tenant(10000, 10000, nil)(c)
			c.Spec.Workloads.NamespaceCreators = &NamespaceCreators{Users: users, Groups: groups}
		}
	}
	fsg := func(v int64) *int64 { return &v }
	cases := map[string]struct {
		reason string
		mutate func(*SupremeRAID)
		// want: "field: fragment" for every expected error, in order; none means valid.
		want []string
	}{
		"floor":               {reason: "10000 is the first tenant id", mutate: tenant(10000, 10000, nil)},
		"high ids":            {reason: "ids between the host accounts and OpenShift's namespace range", mutate: tenant(500000, 500001, fsg(500002))},
		"above namespace ids": {reason: "2000000000 is past OpenShift's allocation range", mutate: tenant(2000000000, 2000000000, nil)},
		"core user": {reason: "RHCOS core is uid 1000; users is gid 100", mutate: tenant(1000, 100, nil), want: []string{
			"spec.workloads.namespaces[0].runAsUser: Invalid value: 1000: must be at least 10000: lower ids are host accounts",
			"spec.workloads.namespaces[0].runAsGroup: Invalid value: 100: must be at least 10000",
			"spec.workloads.namespaces[0].fsGroup: Invalid value: 100: must be at least 10000",
		}},
		"just below the floor": {reason: "9999 is a possible host account", mutate: tenant(10000, 10000, fsg(9999)), want: []string{
			"spec.workloads.namespaces[0].fsGroup: Invalid value: 9999: must be at least 10000",
		}},
		"group 0": {reason: "root group is refused everywhere", mutate: tenant(10000, 0, fsg(10000)), want: []string{
			"spec.workloads.namespaces[0].runAsGroup: Invalid value: 0: must be 1 to 2147483647",
		}},
		"nobody": {reason: "65534 owns unmapped users' files", mutate: tenant(65534, 65535, fsg(10000)), want: []string{
			"spec.workloads.namespaces[0].runAsUser: Invalid value: 65534: must not be 65534 or 65535",
			"spec.workloads.namespaces[0].runAsGroup: Invalid value: 65535: must not be 65534 or 65535",
		}},
		"namespace range": {reason: "OpenShift allocates project UIDs from 1000000000", mutate: tenant(1000000000, 1999999999, fsg(10000)), want: []string{
			"spec.workloads.namespaces[0].runAsUser: Invalid value: 1000000000: must be outside 1000000000-1999999999",
			"spec.workloads.namespaces[0].runAsGroup: Invalid value: 1999999999: must be outside 1000000000-1999999999",
		}},
		"default creators": {reason: "left out, cluster admins and the GitOps controller", mutate: tenant(10000, 10000, nil)},
		"custom creators":  {reason: "a GitOps service account alone", mutate: creators([]string{"system:serviceaccount:argocd:argocd-application-controller"}, nil)},
		"no creators": {reason: "an empty list would lock out everyone, including the installer", mutate: creators(nil, nil), want: []string{
			"spec.workloads.namespaceCreators: Required value: at least one user or group",
		}},
		"everyone": {reason: "a group holding every user reopens squatting", mutate: creators([]string{" admin"}, []string{"system:authenticated", "system:serviceaccounts:team", "ops"}), want: []string{
			"spec.workloads.namespaceCreators.users[0]: Invalid value: \" admin\": a user name",
			"spec.workloads.namespaceCreators.groups[0]: Invalid value: \"system:authenticated\": contains every user",
			"spec.workloads.namespaceCreators.groups[1]: Invalid value: \"system:serviceaccounts:team\": contains every user",
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			c := valid()
			tc.mutate(c)
			c.Default()
			errs := c.Validate()
			require.Len(t, errs, len(tc.want), "%s: %v", tc.reason, errs)
			for i, w := range tc.want {
				assert.True(t, strings.HasPrefix(errs[i].Error(), w) || strings.Contains(errs[i].Error(), w), "%s\nerror %d: want %q, got %q", tc.reason, i, w, errs[i].Error())
			}
		})
	}
}

func TestDefaultNamespaceCreators(t *testing.T) {
	c := valid()
	c.Default()
	require.NotNil(t, c.Spec.Workloads.NamespaceCreators)
	assert.Equal(t, []string{GroupSystemMasters, GroupClusterAdmins}, c.Spec.Workloads.NamespaceCreators.Groups)
	assert.Equal(t, []string{DefaultGitOpsController}, c.Spec.Workloads.NamespaceCreators.Users)
}
