package machineconfig

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

func TestPool(t *testing.T) {
	cases := map[string]struct {
		reason         string
		pool           config.CustomPool
		maxUnavailable int32
	}{
		"defaulted": {reason: "maxUnavailable defaults to one node at a time", pool: config.CustomPool{Name: "storage"}, maxUnavailable: 1},
		"two at once": {reason: "maxUnavailable is taken as given",
			pool: config.CustomPool{Name: "raid", MaxUnavailable: ptr.To[int32](2)}, maxUnavailable: 2},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg := testConfig(t, func(c *config.SupremeRAID) { p := tc.pool; c.Spec.MachineConfig.CustomPool = &p })
			got := pool(cfg, cfg.Spec.MachineConfig.CustomPool)
			mu := intstr.FromInt32(tc.maxUnavailable)
			want := &MachineConfigPool{Spec: MachineConfigPoolSpec{
				// Worker configs plus its own: the nodes stay workers in every other respect.
				MachineConfigSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
					Key: "machineconfiguration.openshift.io/role", Operator: metav1.LabelSelectorOpIn, Values: []string{"worker", tc.pool.Name},
				}}},
				NodeSelector:   &metav1.LabelSelector{MatchLabels: map[string]string{"node-role.kubernetes.io/" + tc.pool.Name: ""}},
				MaxUnavailable: &mu,
			}}
			want.APIVersion, want.Kind, want.Name = "machineconfiguration.openshift.io/v1", "MachineConfigPool", tc.pool.Name
			want.Labels = map[string]string{
				meta.LabelManagedBy: meta.ManagedBy, meta.LabelPartOf: "graid", meta.LabelComponent: Component,
				"pools.operator.machineconfiguration.openshift.io/" + tc.pool.Name: "",
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tc.reason, diff)
			}
		})
	}
}
