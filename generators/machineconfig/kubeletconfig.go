package machineconfig

import (
	"encoding/json"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// KindKubeletConfig is the MCO's kubelet configuration object.
const KindKubeletConfig = "KubeletConfig"

// TenantShutdownSeconds is the part of a node shutdown left to ordinary pods (the tenants that
// use the volume): twice Kubernetes' default terminationGracePeriodSeconds of 30 s.
const TenantShutdownSeconds = 60

// KubeletConfig sets kubelet options for the pools it selects; the MCO renders it into a
// MachineConfig (99-<pool>-generated-kubelet), so creating or changing it reboots the pool's
// nodes like any MachineConfig.
type KubeletConfig struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec KubeletConfigSpec `json:"spec"`
}

// KubeletConfigSpec is the part of the spec we set.
type KubeletConfigSpec struct {
	// MachineConfigPoolSelector selects pools by their labels; an empty selector selects none.
	MachineConfigPoolSelector *metav1.LabelSelector `json:"machineConfigPoolSelector"`
	// KubeletConfig holds upstream KubeletConfiguration fields.
	KubeletConfig json.RawMessage `json:"kubeletConfig"`
}

// ShutdownKubeletConfigName names a pool's graceful-shutdown KubeletConfig.
func ShutdownKubeletConfigName(cfg *config.SupremeRAID, pool string) string {
	return meta.Name(cfg, pool+"-graceful-shutdown")
}

// ShutdownGracePeriods returns the kubelet's graceful node shutdown budget: ordinary pods first
// (TenantShutdownSeconds), then critical pods, which include the node agent (system-node-critical)
// with its whole terminationGracePeriodSeconds: unmount, prove each VD released, then graid's
// 60 s stop. The kubelet default is 0 s: systemd stops the containers in parallel with unmounting
// and graid_server dies under live filesystems, which graid's unit file warns puts the drive
// group into resync.
func ShutdownGracePeriods(cfg *config.SupremeRAID) (total, critical int64) {
	critical = config.DefaultGracePeriod
	if g := cfg.Spec.Node.TerminationGracePeriodSeconds; g != nil {
		critical = *g
	}
	return critical + TenantShutdownSeconds, critical
}

// kubeletConfigs returns one graceful-shutdown KubeletConfig per pool, selecting the pool by the
// label every MachineConfigPool carries for exactly this purpose
// (pools.operator.machineconfiguration.openshift.io/<pool>; the custom pool gets it from us).
func kubeletConfigs(cfg *config.SupremeRAID, pools []string) ([]any, error) {
	total, critical := ShutdownGracePeriods(cfg)
	kc, err := json.Marshal(map[string]string{
		"shutdownGracePeriod":             fmt.Sprintf("%ds", total),
		"shutdownGracePeriodCriticalPods": fmt.Sprintf("%ds", critical),
	})
	if err != nil {
		return nil, fmt.Errorf("kubelet config: %w", err)
	}
	var out []any
	for _, p := range pools {
		out = append(out, &KubeletConfig{
			TypeMeta:   metav1.TypeMeta{APIVersion: APIVersion, Kind: KindKubeletConfig},
			ObjectMeta: meta.Object(cfg, ShutdownKubeletConfigName(cfg, p), "", Component, meta.WaveOperands),
			Spec: KubeletConfigSpec{
				MachineConfigPoolSelector: &metav1.LabelSelector{MatchLabels: map[string]string{PoolLabelPrefix + p: ""}},
				KubeletConfig:             append(json.RawMessage(nil), kc...),
			},
		})
	}
	return out, nil
}
