// Package meta builds the metadata every generated object shares: names, common labels and the
// optional Argo CD sync wave.
package meta

import (
	"strconv"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
)

// Label keys set on every generated object.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	LabelPartOf    = "app.kubernetes.io/part-of"
	LabelComponent = "app.kubernetes.io/component"
	ManagedBy      = "supremeraid-fn"
	SyncWaveKey    = "argocd.argoproj.io/sync-wave"
	// GeneratedByKey marks every generated object with the identity of the config that made
	// it (see GeneratedBy). Only the generator writes it: it is how the function recognises
	// its own earlier output, so a user's object that merely carries the common labels (a
	// copy, the config itself) is never taken for generated and replaced. docs/ownership.md.
	GeneratedByKey = "supremeraid.dev/generated-by"
)

// GeneratedBy is the value of GeneratedByKey for the config called name: "SupremeRAID/<name>".
// The config is not namespaced (metadata.namespace is refused), so kind and name identify it.
func GeneratedBy(name string) string { return config.Kind + "/" + name }

// Sync waves: Argo CD applies lower waves first and waits for them to be healthy.
const (
	// WaveFoundation: namespaces, service accounts, RBAC, SCCs, ConfigMaps.
	WaveFoundation = -2
	// WaveOperands: operator custom resources (NodeFeatureRule, ClusterPolicy, MachineConfig,
	// Module) once their namespace and RBAC exist.
	WaveOperands = 0
	// WaveWorkloads: the node DaemonSet, after the Module has loaded the kernel modules.
	WaveWorkloads = 2
	// WaveAdmission: admission policy last, so it never blocks the objects above.
	WaveAdmission = 3
)

// Labels returns the common labels for one generator family.
func Labels(cfg *config.SupremeRAID, component string) map[string]string {
	return map[string]string{
		LabelManagedBy: ManagedBy,
		LabelPartOf:    cfg.Name,
		LabelComponent: component,
	}
}

// Object returns ObjectMeta with the common labels and, when enabled, the sync wave.
// namespace is empty for cluster-scoped objects.
func Object(cfg *config.SupremeRAID, name, namespace, component string, wave int) metav1.ObjectMeta {
	om := metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: Labels(cfg, component)}
	if cfg.Spec.ArgoCD.SyncWaves {
		om.Annotations = map[string]string{SyncWaveKey: strconv.Itoa(wave)}
	}
	return om
}

// Name prefixes a suffix with the config's name: graid + kmm = graid-kmm.
func Name(cfg *config.SupremeRAID, suffix string) string { return cfg.Name + "-" + suffix }

// ServiceAccount names: the only two accounts granted the privileged SCC.
func KMMServiceAccount(cfg *config.SupremeRAID) string  { return Name(cfg, "kmm") }
func NodeServiceAccount(cfg *config.SupremeRAID) string { return Name(cfg, "node") }
