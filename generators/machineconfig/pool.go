package machineconfig

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Labels of a custom pool.
const (
	// NodeRolePrefix + <pool> is the node label that puts a node in the pool. The node keeps
	// node-role.kubernetes.io/worker; a node in worker and one custom pool belongs to the
	// custom pool.
	NodeRolePrefix = "node-role.kubernetes.io/"
	// PoolLabelPrefix + <pool> is the label OpenShift's own pools carry; KubeletConfig and
	// ContainerRuntimeConfig select pools by it.
	PoolLabelPrefix = "pools.operator.machineconfiguration.openshift.io/"
)

// pool returns a MachineConfigPool for the storage nodes that takes every worker MachineConfig
// plus those for its own role, so the nodes stay workers in every other respect.
func pool(cfg *config.SupremeRAID, cp *config.CustomPool) *MachineConfigPool {
	// The pool must exist before its MachineConfig means anything, and the MCO needs a moment
	// to render it: foundation wave.
	om := meta.Object(cfg, cp.Name, "", Component, meta.WaveFoundation)
	om.Labels[PoolLabelPrefix+cp.Name] = ""
	maxUnavailable := config.DefaultPoolMaxUnavailable
	if cp.MaxUnavailable != nil {
		maxUnavailable = *cp.MaxUnavailable
	}
	mu := intstr.FromInt32(maxUnavailable)
	return &MachineConfigPool{
		TypeMeta:   metav1.TypeMeta{APIVersion: APIVersion, Kind: KindMachineConfigPool},
		ObjectMeta: om,
		Spec: MachineConfigPoolSpec{
			MachineConfigSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
				Key:      RoleLabel,
				Operator: metav1.LabelSelectorOpIn,
				Values:   []string{config.DefaultPool, cp.Name},
			}}},
			NodeSelector:   &metav1.LabelSelector{MatchLabels: map[string]string{NodeRolePrefix + cp.Name: ""}},
			MaxUnavailable: &mu,
		},
	}
}
