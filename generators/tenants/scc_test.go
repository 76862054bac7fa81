package tenants_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	securityv1 "github.com/openshift/api/security/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/crdcheck"
	"supremeraid.dev/supremeraid-fn/generators/tenants"
)

const sccCRD = "security.openshift.io_securitycontextconstraints.yaml"

func TestSCC(t *testing.T) {
	cases := map[string]struct {
		reason     string
		tenant     config.TenantNamespace
		wantUID    int64
		wantFS     string
		wantSupple string
	}{
		"fsGroup equals group": {
			reason:     "one supplemental range when fsGroup is the run-as-group",
			tenant:     config.TenantNamespace{Name: "project1", RunAsUser: 1000, RunAsGroup: 100, FSGroup: ptr.To(int64(100)), SELinuxLevel: "s0:c1,c2"},
			wantUID:    1000,
			wantFS:     `[{"min":100,"max":100}]`,
			wantSupple: `[{"min":100,"max":100}]`,
		},
		"own fsGroup": {
			reason:     "supplemental groups may be the group or the fsGroup, nothing else",
			tenant:     config.TenantNamespace{Name: "project2", RunAsUser: 1001, RunAsGroup: 101, FSGroup: ptr.To(int64(2001)), SELinuxLevel: "s0:c7,c300"},
			wantUID:    1001,
			wantFS:     `[{"min":2001,"max":2001}]`,
			wantSupple: `[{"min":101,"max":101},{"min":2001,"max":2001}]`,
		},
	}
	cfg := testConfig(t, nil)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			scc := tenants.SCC(cfg, &tc.tenant)
			js := emitted(t, scc)

			// As the cluster sees it: the upstream CRD schema (required fields, types, no
			// unknown fields) and the upstream Go type.
			crdcheck.Validate(t, sccCRD, js)
			var got securityv1.SecurityContextConstraints
			strictDecode(t, js, &got)

			if got.Name != "graid-tenant-"+tc.tenant.Name {
				t.Errorf("name %q", got.Name)
			}
			ru := got.RunAsUser
			if ru.Type != securityv1.RunAsUserStrategyMustRunAsRange || ru.UIDRangeMin == nil || ru.UIDRangeMax == nil ||
				*ru.UIDRangeMin != tc.wantUID || *ru.UIDRangeMax != tc.wantUID || ru.UID != nil {
				t.Errorf("%s\nrunAsUser %s, want MustRunAsRange %d-%d", tc.reason, mustJSON(t, ru), tc.wantUID, tc.wantUID)
			}
			if got.FSGroup.Type != securityv1.FSGroupStrategyMustRunAs || mustJSON(t, got.FSGroup.Ranges) != tc.wantFS {
				t.Errorf("%s\nfsGroup %s, want MustRunAs %s", tc.reason, mustJSON(t, got.FSGroup), tc.wantFS)
			}
			if got.SupplementalGroups.Type != securityv1.SupplementalGroupsStrategyMustRunAs || mustJSON(t, got.SupplementalGroups.Ranges) != tc.wantSupple {
				t.Errorf("%s\nsupplementalGroups %s, want MustRunAs %s", tc.reason, mustJSON(t, got.SupplementalGroups), tc.wantSupple)
			}
			checkLeastPrivilege(t, &got)
			if o := got.SELinuxContext.SELinuxOptions; o == nil || *o != (corev1.SELinuxOptions{Level: tc.tenant.SELinuxLevel}) {
				t.Errorf("%s\nseLinuxContext %s: want MustRunAs with the tenant's level %s only", tc.reason, mustJSON(t, got.SELinuxContext), tc.tenant.SELinuxLevel)
			}
		})
	}
}

// checkLeastPrivilege: restricted-v2 plus hostPath, nothing else.
func checkLeastPrivilege(t *testing.T, s *securityv1.SecurityContextConstraints) {
	t.Helper()
	if s.AllowPrivilegedContainer || s.AllowHostNetwork || s.AllowHostPID || s.AllowHostIPC || s.AllowHostPorts {
		t.Errorf("privileged %v hostNetwork %v hostPID %v hostIPC %v hostPorts %v: all must be false",
			s.AllowPrivilegedContainer, s.AllowHostNetwork, s.AllowHostPID, s.AllowHostIPC, s.AllowHostPorts)
	}
	if s.AllowPrivilegeEscalation == nil || *s.AllowPrivilegeEscalation || s.DefaultAllowPrivilegeEscalation == nil || *s.DefaultAllowPrivilegeEscalation {
		t.Error("privilege escalation must be forbidden and off by default")
	}
	if mustJSON(t, s.RequiredDropCapabilities) != `["ALL"]` || len(s.AllowedCapabilities) != 0 || len(s.DefaultAddCapabilities) != 0 {
		t.Errorf("capabilities: drop %v allowed %v add %v; want drop ALL and nothing added", s.RequiredDropCapabilities, s.AllowedCapabilities, s.DefaultAddCapabilities)
	}
	if !s.AllowHostDirVolumePlugin {
		t.Error("allowHostDirVolumePlugin must be true: it is what admits hostPath")
	}
	want := `["configMap","downwardAPI","emptyDir","ephemeral","hostPath","persistentVolumeClaim","projected","secret"]`
	if mustJSON(t, s.Volumes) != want {
		t.Errorf("volumes %v, want %s", s.Volumes, want)
	}
	if s.SELinuxContext.Type != securityv1.SELinuxStrategyMustRunAs {
		t.Errorf("seLinuxContext %s: want MustRunAs", mustJSON(t, s.SELinuxContext))
	}
	if mustJSON(t, s.SeccompProfiles) != `["runtime/default"]` {
		t.Errorf("seccompProfiles %v", s.SeccompProfiles)
	}
	if s.Priority == nil || *s.Priority != 0 {
		t.Errorf("priority %v: want 0 (ordered like the default nil)", s.Priority)
	}
	if s.ReadOnlyRootFilesystem || len(s.Users) != 0 || len(s.Groups) != 0 || len(s.AllowedUnsafeSysctls) != 0 || len(s.AllowedFlexVolumes) != 0 {
		t.Errorf("readOnlyRootFilesystem %v users %v groups %v sysctls %v flex %v: want false and none (RBAC grants use)",
			s.ReadOnlyRootFilesystem, s.Users, s.Groups, s.AllowedUnsafeSysctls, s.AllowedFlexVolumes)
	}
}

// TestSCCRequiredFieldsSurviveSerialisation shows why priority is 0 and the capability lists
// are empty lists rather than nil: the CRD requires them, and the generator's output drops
// nulls. The CRD check must notice each one missing.
func TestSCCRequiredFieldsSurviveSerialisation(t *testing.T) {
	cfg := testConfig(t, nil)
	for _, field := range []string{"priority", "allowedCapabilities", "defaultAddCapabilities"} {
		t.Run(field, func(t *testing.T) {
			m := emittedMap(t, tenants.SCC(cfg, &cfg.Spec.Workloads.Namespaces[0]))
			if _, ok := m[field]; !ok {
				t.Fatalf("%s is missing from the emitted SCC", field)
			}
			delete(m, field)
			js, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			errs, err := crdcheck.Check(sccCRD, js)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(fmt.Sprint(errs), field) {
				t.Errorf("without %s the CRD check should fail, got %v", field, errs)
			}
		})
	}
}
