package node

import "testing"

func TestSpecPath(t *testing.T) {
	cases := []struct {
		reason, agent, want string
	}{
		{"a drive's device field is the list entry in the config", "driveGroups[1].physicalDrives[3].device", "spec.raid.driveGroups[1].physicalDrives[3]"},
		{"virtual drive fields keep their names", "driveGroups[0].virtualDrives[2].mountOptions[1]", "spec.raid.driveGroups[0].virtualDrives[2].mountOptions[1]"},
		{"group-level problems", "driveGroups[2]", "spec.raid.driveGroups[2]"},
		{"the list itself", "driveGroups", "spec.raid.driveGroups"},
		{"a tenant's namespace is the namespace entry's name", "tenants[1].namespace", "spec.workloads.namespaces[1].name"},
		{"uid is runAsUser", "tenants[0].uid", "spec.workloads.namespaces[0].runAsUser"},
		{"gid is runAsGroup", "tenants[0].gid", "spec.workloads.namespaces[0].runAsGroup"},
		{"every tenant uses workloads.mountPath", "tenants[4].mountPath", "spec.workloads.mountPath"},
		{"a whole tenant entry", "tenants[2]", "spec.workloads.namespaces[2]"},
		{"the generator's own fields are named as such", "license.keyFile", "spec.node (layout license.keyFile)"},
	}
	for _, tc := range cases {
		if got := specPath(tc.agent); got != tc.want {
			t.Errorf("%s: specPath(%q) = %q, want %q", tc.reason, tc.agent, got, tc.want)
		}
	}
}
