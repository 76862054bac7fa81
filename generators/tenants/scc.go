package tenants

import (
	securityv1 "github.com/openshift/api/security/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
)

// SCCName is the tenant SCC of one namespace.
func SCCName(cfg *config.SupremeRAID, namespace string) string {
	return meta.Name(cfg, "tenant-"+namespace)
}

// tenantVolumes are the volume types of OpenShift's restricted-v2 SCC plus hostPath, minus csi.
// Inline CSI volumes are left out: tenant namespaces run Pod Security "privileged" (hostPath
// needs it), and OpenShift's CSI inline volume admission lets a driver's inline volumes into
// a namespace by its Pod Security level, so every inline-capable driver would be open to
// tenants. Persistent volumes through claims (persistentVolumeClaim) still work.
var tenantVolumes = []securityv1.FSType{
	securityv1.FSTypeConfigMap,
	securityv1.FSTypeDownwardAPI,
	securityv1.FSTypeEmptyDir,
	securityv1.FSTypeEphemeral,
	securityv1.FSTypeHostPath,
	securityv1.FSTypePersistentVolumeClaim,
	securityv1.FSProjected,
	securityv1.FSTypeSecret,
}

// SCC is restricted-v2 plus hostPath volumes, with the ids fixed to the tenant's. There is one
// SCC per namespace. An SCC has a single UID range, so it cannot admit each namespace's UID
// only to that namespace. A shared SCC would let every tenant run as every other tenant's UID.
//
// The SCC admits the pod as the webhook leaves it. OpenShift runs SCC admission twice: before
// the webhooks it picks restricted-v2 for the unpatched pod and fills in a UID from the
// namespace range, and after them it checks the final pod, which has a hostPath volume and the
// tenant's ids. Only this SCC admits that pod. runAsGroup is not an SCC field, so the SCC
// cannot pin it. That is safe: the only hostPath the pod can mount is its own tenant directory.
//
// priority is 0 rather than nil because the CRD requires the field and our output drops nulls.
// SCC ordering treats nil as 0. The capability lists are empty lists for the same reason.
func SCC(cfg *config.SupremeRAID, t *config.TenantNamespace) *securityv1.SecurityContextConstraints {
	uid := t.RunAsUser
	groups := []securityv1.IDRange{{Min: t.RunAsGroup, Max: t.RunAsGroup}}
	if fsg := fsGroup(t); fsg != t.RunAsGroup {
		groups = append(groups, securityv1.IDRange{Min: fsg, Max: fsg})
	}
	no := false
	return &securityv1.SecurityContextConstraints{
		TypeMeta:                 metav1.TypeMeta{APIVersion: "security.openshift.io/v1", Kind: "SecurityContextConstraints"},
		ObjectMeta:               meta.Object(cfg, SCCName(cfg, t.Name), "", Component, meta.WaveFoundation),
		Priority:                 new(int32),
		AllowPrivilegedContainer: false,
		AllowPrivilegeEscalation: &no,
		// restricted-v2 defaults this too; it is set so pods need not.
		DefaultAllowPrivilegeEscalation: &no,
		DefaultAddCapabilities:          []corev1.Capability{},
		AllowedCapabilities:             []corev1.Capability{},
		RequiredDropCapabilities:        []corev1.Capability{"ALL"},
		AllowHostDirVolumePlugin:        true,
		Volumes:                         tenantVolumes,
		AllowHostNetwork:                false,
		AllowHostPorts:                  false,
		AllowHostPID:                    false,
		AllowHostIPC:                    false,
		// The tenant's own level, also the namespace's openshift.io/sa.scc.mcs: pods of
		// different tenants run with different categories, so SELinux keeps one tenant's
		// processes out of another's directory even where the modes would let them in.
		SELinuxContext: securityv1.SELinuxContextStrategyOptions{
			Type:           securityv1.SELinuxStrategyMustRunAs,
			SELinuxOptions: &corev1.SELinuxOptions{Level: t.SELinuxLevel},
		},
		RunAsUser: securityv1.RunAsUserStrategyOptions{
			Type:        securityv1.RunAsUserStrategyMustRunAsRange,
			UIDRangeMin: &uid,
			UIDRangeMax: &uid,
		},
		FSGroup: securityv1.FSGroupStrategyOptions{
			Type:   securityv1.FSGroupStrategyMustRunAs,
			Ranges: []securityv1.IDRange{{Min: fsGroup(t), Max: fsGroup(t)}},
		},
		// The tenant's own groups only: a supplemental group of another tenant would open that
		// tenant's directory (mode 0770) to this pod.
		SupplementalGroups: securityv1.SupplementalGroupsStrategyOptions{
			Type:   securityv1.SupplementalGroupsStrategyMustRunAs,
			Ranges: groups,
		},
		ReadOnlyRootFilesystem: false,
		SeccompProfiles:        []string{"runtime/default"},
	}
}
