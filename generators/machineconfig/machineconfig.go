// Package machineconfig generates the node configuration SupremeRAID needs on RHCOS: kernel
// arguments (iommu=pt, nvme_core.multipath=Y), the nouveau blacklist and a udev rule for the
// virtual drives' I/O scheduler, as one MachineConfig per pool, and optionally a dedicated
// MachineConfigPool for the storage nodes. Applying or changing a MachineConfig reboots every
// node of its pool, one maxUnavailable batch at a time.
package machineconfig

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Component is the app.kubernetes.io/component label value of this family.
const Component = "machineconfig"

// RoleLabel assigns a MachineConfig to the pools whose machineConfigSelector matches it.
const RoleLabel = "machineconfiguration.openshift.io/role"

// Name of a pool's MachineConfig: 99- sorts it after OpenShift's own 00-/01- configs (the MCO
// merges by name, later wins), the pool keeps names unique across pools, like 99-worker-ssh.
func Name(cfg *config.SupremeRAID, pool string) string {
	return fmt.Sprintf("99-%s-%s-supremeraid", pool, cfg.Name)
}

// Generate returns the custom MachineConfigPool when one is configured, then one MachineConfig
// per spec.machineConfig.pools entry, in that order; nothing when spec.machineConfig.enabled is
// false (Notes then lists what the nodes need).
func Generate(cfg *config.SupremeRAID) ([]any, error) {
	mc := cfg.Spec.MachineConfig
	if !on(mc.Enabled) {
		return nil, nil
	}
	ign, err := Ignition(Files(cfg))
	if err != nil {
		return nil, fmt.Errorf("spec.kernel: %w", err)
	}
	var objs []any
	if mc.CustomPool != nil {
		objs = append(objs, pool(cfg, mc.CustomPool))
	}
	pools := mc.Pools
	if len(pools) == 0 { // only a config that skipped Default
		pools = []string{config.DefaultPool}
	}
	kargs := KernelArguments(cfg)
	for _, p := range pools {
		om := meta.Object(cfg, Name(cfg, p), "", Component, meta.WaveOperands)
		om.Labels[RoleLabel] = p
		objs = append(objs, &MachineConfig{
			TypeMeta:   metav1.TypeMeta{APIVersion: APIVersion, Kind: KindMachineConfig},
			ObjectMeta: om,
			Spec: MachineConfigSpec{
				Config:          append([]byte(nil), ign...),
				KernelArguments: append([]string(nil), kargs...),
			},
		})
	}
	kcs, err := kubeletConfigs(cfg, pools)
	if err != nil {
		return nil, err
	}
	return append(objs, kcs...), nil
}
