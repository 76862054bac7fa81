package tenants

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// Namespace annotations the OPA policy reads the tenant's ids from (decimal strings).
const (
	AnnotationRunAsUser  = "supremeraid.dev/run-as-user"
	AnnotationRunAsGroup = "supremeraid.dev/run-as-group"
	AnnotationFSGroup    = "supremeraid.dev/fs-group"
	// AnnotationMCS is OpenShift's per-namespace SELinux level, which MustRunAs SCCs without a
	// level of their own apply.
	AnnotationMCS = "openshift.io/sa.scc.mcs"
)

// Pod Security admission labels.
const (
	PodSecurityEnforce = "pod-security.kubernetes.io/enforce"
	PodSecurityAudit   = "pod-security.kubernetes.io/audit"
	PodSecurityWarn    = "pod-security.kubernetes.io/warn"
	// PodSecurityLabelSync off keeps OpenShift's label synchroniser from rewriting the levels.
	PodSecurityLabelSync = "security.openshift.io/scc.podSecurityLabelSync"
)

// Namespace is one tenant namespace. No label of ours selects it for anything: the OPA webhook,
// the hostPath policy and the squatting guard select tenants by the name label the API server
// sets (meta.NamespaceNameLabel). The annotations carry the ids the webhook writes into opted-in
// pods.
//
// Pod Security level: "privileged". The Pod Security Standards forbid every hostPath volume
// from "baseline" up, whatever its path, so no lower level admits the tenant volume. Pods do
// not become privileged: on OpenShift the SCC decides what a pod may do, and the tenant SCC
// admits no privileged container, no host namespace or port, and no capability. The path is
// pinned by the ValidatingAdmissionPolicy. audit and warn use the same level: one level lower,
// every opted-in pod would log or warn about its own volume.
func Namespace(cfg *config.SupremeRAID, t *config.TenantNamespace) *corev1.Namespace {
	om := meta.Object(cfg, t.Name, "", Component, meta.WaveFoundation)
	om.Labels[PodSecurityEnforce] = "privileged"
	om.Labels[PodSecurityAudit] = "privileged"
	om.Labels[PodSecurityWarn] = "privileged"
	om.Labels[PodSecurityLabelSync] = "false"
	if om.Annotations == nil {
		om.Annotations = map[string]string{}
	}
	om.Annotations[AnnotationRunAsUser] = strconv.FormatInt(t.RunAsUser, 10)
	om.Annotations[AnnotationRunAsGroup] = strconv.FormatInt(t.RunAsGroup, 10)
	om.Annotations[AnnotationFSGroup] = strconv.FormatInt(fsGroup(t), 10)
	// The tenant's own MCS categories, fixed by the config rather than allocated by OpenShift
	// (which only allocates when the annotation is missing): the node agent labels the
	// tenant's directory with the same level.
	om.Annotations[AnnotationMCS] = t.SELinuxLevel
	return &corev1.Namespace{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Namespace"},
		ObjectMeta: om,
	}
}

// fsGroup is the tenant's fsGroup; Default() sets it to runAsGroup when left out.
func fsGroup(t *config.TenantNamespace) int64 {
	if t.FSGroup != nil {
		return *t.FSGroup
	}
	return t.RunAsGroup
}
