package tenants_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/tenants"
)

func TestNamespace(t *testing.T) {
	cases := map[string]struct {
		reason  string
		tenant  config.TenantNamespace
		wantAnn map[string]string
	}{
		"fsGroup defaulted": {
			reason:  "fs-group is the run-as-group when fsGroup is left out (Default fills it in)",
			tenant:  config.TenantNamespace{Name: "project1", RunAsUser: 10000, RunAsGroup: 10000, FSGroup: ptr.To(int64(10000)), SELinuxLevel: "s0:c1,c2"},
			wantAnn: map[string]string{"supremeraid.dev/run-as-user": "10000", "supremeraid.dev/run-as-group": "10000", "supremeraid.dev/fs-group": "10000", "openshift.io/sa.scc.mcs": "s0:c1,c2"},
		},
		"own fsGroup": {
			reason:  "a distinct fsGroup is written as is",
			tenant:  config.TenantNamespace{Name: "project2", RunAsUser: 10001, RunAsGroup: 10001, FSGroup: ptr.To(int64(20001)), SELinuxLevel: "s0:c3,c1023"},
			wantAnn: map[string]string{"supremeraid.dev/run-as-user": "10001", "supremeraid.dev/run-as-group": "10001", "supremeraid.dev/fs-group": "20001", "openshift.io/sa.scc.mcs": "s0:c3,c1023"},
		},
		"largest ids": {
			reason:  "decimal, no exponent or separators, up to 2^31-1",
			tenant:  config.TenantNamespace{Name: "big", RunAsUser: 2147483647, RunAsGroup: 2147483646, SELinuxLevel: "s0:c0,c1"},
			wantAnn: map[string]string{"supremeraid.dev/run-as-user": "2147483647", "supremeraid.dev/run-as-group": "2147483646", "supremeraid.dev/fs-group": "2147483646", "openshift.io/sa.scc.mcs": "s0:c0,c1"},
		},
	}
	wantLabels := map[string]string{
		"pod-security.kubernetes.io/enforce":             "privileged",
		"pod-security.kubernetes.io/audit":               "privileged",
		"pod-security.kubernetes.io/warn":                "privileged",
		"security.openshift.io/scc.podSecurityLabelSync": "false",
		"app.kubernetes.io/managed-by":                   "supremeraid-fn",
		"app.kubernetes.io/part-of":                      "graid",
		"app.kubernetes.io/component":                    "tenants",
	}
	cfg := testConfig(t, nil)
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ns := tenants.Namespace(cfg, &tc.tenant)
			if ns.Name != tc.tenant.Name || ns.Namespace != "" {
				t.Errorf("name %q namespace %q", ns.Name, ns.Namespace)
			}
			if mustJSON(t, ns.Labels) != mustJSON(t, wantLabels) {
				t.Errorf("%s\nlabels\n got %v\nwant %v", tc.reason, ns.Labels, wantLabels)
			}
			if mustJSON(t, ns.Annotations) != mustJSON(t, tc.wantAnn) {
				t.Errorf("%s\nannotations\n got %v\nwant %v", tc.reason, ns.Annotations, tc.wantAnn)
			}
			var back corev1.Namespace
			strictDecode(t, emitted(t, ns), &back)
		})
	}
}
