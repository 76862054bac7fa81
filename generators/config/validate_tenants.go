package config

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Tenant ids. A tenant's ids own its directory on the node and are what a process escaping
// through a hostPath mistake would be on the host, so they are kept apart from every id the
// node or the cluster hands out itself:
//
//   - below 10000: RHCOS host accounts. System accounts are below 1000 (login.defs SYS_UID_MAX
//     999), the admin account core is 1000 (its home holds the SSH keys) and the group users is
//     100; accounts added by MachineConfigs or later RHCOS releases take the next ids from 1000.
//   - 65534 and 65535: nobody/nogroup (the kernel's overflow id, NFS root squash) and (uint16)-1.
//   - 1000000000 to 1999999999: OpenShift's default range for the per-namespace UID blocks it
//     allocates to projects (openshift.io/sa.scc.uid-range, blocks of 10000): a tenant id there
//     could equal the id restricted-v2 assigns to another project's pods.
const (
	MinTenantID                = 10000
	namespaceUIDRangeFirst     = 1000000000
	namespaceUIDRangeLast      = 1999999999
	overflowID, uint16MinusOne = 65534, 65535
)

// Well-known identities for spec.workloads.namespaceCreators.
const (
	// GroupSystemMasters is the Kubernetes superuser group (certificate-based admin credentials).
	GroupSystemMasters = "system:masters"
	// GroupClusterAdmins is OpenShift's group of the bootstrap kubeadmin user.
	GroupClusterAdmins = "system:cluster-admins"
	// DefaultGitOpsController is the application controller of the default OpenShift GitOps
	// Argo CD instance (openshift-gitops), which applies these manifests in the GitOps setup.
	DefaultGitOpsController = "system:serviceaccount:openshift-gitops:openshift-gitops-argocd-application-controller"
)

// DefaultNamespaceCreators are the identities that may create tenant namespaces when the config
// names none: cluster administrators and the default OpenShift GitOps controller.
func DefaultNamespaceCreators() *NamespaceCreators {
	return &NamespaceCreators{
		Users:  []string{DefaultGitOpsController},
		Groups: []string{GroupSystemMasters, GroupClusterAdmins},
	}
}

// everyoneGroups contain every user, every service account or every service account of a
// namespace: naming one as a namespace creator would let anyone re-create a tenant namespace.
var everyoneGroups = []string{"system:authenticated", "system:authenticated:oauth", "system:unauthenticated", "system:serviceaccounts"}

// validateTenants checks the tenant ids against the floor and the namespace creators.
func validateTenants(p *field.Path, w *Workloads) field.ErrorList {
	var errs field.ErrorList
	levels := map[string]int{}
	names := map[string]bool{}
	for i := range w.Namespaces {
		ns := &w.Namespaces[i]
		ip := p.Child("namespaces").Index(i)
		errs = append(errs, validateTenantID(ip.Child("runAsUser"), ns.RunAsUser)...)
		errs = append(errs, validateTenantID(ip.Child("runAsGroup"), ns.RunAsGroup)...)
		if ns.FSGroup != nil {
			errs = append(errs, validateTenantID(ip.Child("fsGroup"), *ns.FSGroup)...)
		}
		// A duplicate name is reported by validateWorkloads; its derived level would only
		// repeat that.
		if ns.SELinuxLevel == "" || names[ns.Name] {
			continue
		}
		names[ns.Name] = true
		lp := ip.Child("seLinuxLevel")
		if _, _, err := ParseMCSLevel(ns.SELinuxLevel); err != nil {
			errs = append(errs, field.Invalid(lp, ns.SELinuxLevel, err.Error()))
			continue
		}
		if j, dup := levels[ns.SELinuxLevel]; dup {
			errs = append(errs, field.Invalid(lp, ns.SELinuxLevel, fmt.Sprintf("is also the level of spec.workloads.namespaces[%d] (%s): each tenant needs its own categories, or their pods can open each other's files; set seLinuxLevel on one of them", j, w.Namespaces[j].Name)))
			continue
		}
		levels[ns.SELinuxLevel] = i
	}
	if c := w.NamespaceCreators; c != nil {
		cp := p.Child("namespaceCreators")
		if len(c.Users) == 0 && len(c.Groups) == 0 {
			errs = append(errs, field.Required(cp, "at least one user or group: nobody else may create the tenant namespaces"))
		}
		for i, u := range c.Users {
			if strings.TrimSpace(u) == "" || strings.TrimSpace(u) != u {
				errs = append(errs, field.Invalid(cp.Child("users").Index(i), u, "a user name as the API server authenticates it, without surrounding spaces"))
			}
		}
		for i, g := range c.Groups {
			gp := cp.Child("groups").Index(i)
			switch {
			case strings.TrimSpace(g) == "" || strings.TrimSpace(g) != g:
				errs = append(errs, field.Invalid(gp, g, "a group name as the API server authenticates it, without surrounding spaces"))
			case isEveryoneGroup(g):
				errs = append(errs, field.Invalid(gp, g, "contains every user or service account (of a namespace): anyone in it could re-create a deleted tenant namespace and inherit its data; name the GitOps service account or an admin group"))
			}
		}
	}
	return errs
}

func isEveryoneGroup(g string) bool {
	for _, e := range everyoneGroups {
		if g == e {
			return true
		}
	}
	return strings.HasPrefix(g, "system:serviceaccounts:")
}

// validateTenantID applies the tenant id floor. Ids outside 1..2147483647 are reported by
// validateID already.
func validateTenantID(p *field.Path, id int64) field.ErrorList {
	switch {
	case id < 1 || id > 2147483647:
		return nil
	case id < MinTenantID:
		return field.ErrorList{field.Invalid(p, id, fmt.Sprintf("must be at least %d: lower ids are host accounts on the nodes (RHCOS system accounts are below 1000, core is 1000, group users is 100), and a pod running as one of them owns that account's files if a path ever escapes the tenant directory", MinTenantID))}
	case id == overflowID || id == uint16MinusOne:
		return field.ErrorList{field.Invalid(p, id, "must not be 65534 or 65535: nobody/nogroup, the kernel's overflow id, own files of unmapped users")}
	case id >= namespaceUIDRangeFirst && id <= namespaceUIDRangeLast:
		return field.ErrorList{field.Invalid(p, id, fmt.Sprintf("must be outside %d-%d, the range OpenShift allocates per-namespace UIDs from: another project's pods could run as this id", namespaceUIDRangeFirst, namespaceUIDRangeLast))}
	}
	return nil
}
