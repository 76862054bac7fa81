package config

import (
	"fmt"
	"net/url"
	"path"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Rules for input that other rules let through but that would hurt on a node or in a cluster:
// system namespaces, credentials in URLs, kernel arguments that change the security module,
// system directories as mount paths, and sizes the kernel or the API server refuse later.

// KernelCommandLineMax is the x86 kernel's command-line limit, COMMAND_LINE_SIZE in
// arch/x86/include/asm/setup.h (2048 bytes, terminating NUL included). A longer line is cut
// silently by the boot loader hand-off: the last arguments are lost.
const KernelCommandLineMax = 2048

// kernelCommandLineReserve is what RHCOS's own arguments take (BOOT_IMAGE=(hd0,gpt3)/ostree/...,
// root=UUID=..., ostree=/ostree/boot.1/rhcos/<sha256>/0, ignition and console arguments): about
// 400 bytes on a 4.x node; twice that is reserved so the config's arguments never push the
// line over the limit.
const kernelCommandLineReserve = 800

// reservedNamespaces may never be spec.namespace or spec.opa.namespace: the output labels its
// namespace Pod Security privileged and marks it as ours, so a later prune would delete it.
var reservedNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true, "kube-node-lease": true, "openshift": true, "kubernetes": true}

// IsReservedNamespace reports whether ns belongs to Kubernetes or OpenShift: default, kube-*,
// openshift, openshift-*, kubernetes.
func IsReservedNamespace(ns string) bool {
	return reservedNamespaces[ns] || strings.HasPrefix(ns, "kube-") || strings.HasPrefix(ns, "openshift-")
}

// systemSubtrees of /var hold what the node runs on; a volume mounted on (or over) one hides
// it. /var/run and /var/lock are symlinks to /run and /run/lock on RHCOS, /var/home and
// /var/roothome are where /home and /root point. Documented in docs/validation.md.
var systemSubtrees = []string{
	"/var/run", "/var/lock", "/var/tmp", "/var/log", "/var/home", "/var/roothome", "/var/cache",
	"/var/lib/kubelet", "/var/lib/containers", "/var/lib/etcd", "/var/lib/cni", "/var/lib/crio",
	"/var/lib/containerd", "/var/lib/openvswitch", "/var/lib/rpm-ostree", "/var/lib/machine-config-daemon",
	"/var/lib/nfs", "/var/lib/systemd", "/var/lib/NetworkManager", "/var/lib/sss", "/var/lib/selinux",
	"/var/lib/rpm", "/var/lib/alternatives", "/var/opt", "/var/usrlocal",
}

// securityArgs change or disable the Linux security modules, and so SELinux: lsm= and
// security= pick the modules, selinux= and enforcing= switch SELinux itself, checkreqprot=
// weakens its memory-protection checks (kernel-parameters.txt).
var securityArgs = []string{"lsm=", "security=", "selinux=", "enforcing=", "checkreqprot="}

// securityArg returns the security-module argument a starts with, or "".
func securityArg(a string) string {
	for _, s := range securityArgs {
		if strings.HasPrefix(a, s) {
			return s
		}
	}
	return ""
}

func validateInput(c *SupremeRAID) field.ErrorList {
	var errs field.ErrorList
	s := &c.Spec
	spec := field.NewPath("spec")
	if IsReservedNamespace(s.Namespace) {
		errs = append(errs, field.Invalid(spec.Child("namespace"), s.Namespace, "must not be a Kubernetes or OpenShift namespace (default, kube-*, openshift, openshift-*, kubernetes): the output labels it Pod Security privileged and owns it"))
	}
	if IsReservedNamespace(s.OPA.Namespace) {
		errs = append(errs, field.Invalid(spec.Child("opa", "namespace"), s.OPA.Namespace, "must not be a Kubernetes or OpenShift namespace (default, kube-*, openshift, openshift-*, kubernetes): kube-mgmt loads policy from every ConfigMap there"))
	}
	if u := s.Driver.Installer.URL; u != "" {
		errs = append(errs, validateURL(spec.Child("driver", "installer", "url"), u, true)...)
	}
	if u := s.OPA.ArgoCD.RepoURL; u != "" {
		errs = append(errs, validateURL(spec.Child("opa", "argocd", "repoURL"), u, false)...)
	}
	errs = append(errs, validateKernelLine(spec.Child("kernel"), &s.Kernel)...)
	for i := range s.RAID.DriveGroups {
		if i >= MaxDriveGroups {
			break
		}
		dg := &s.RAID.DriveGroups[i]
		for j := range dg.VirtualDrives {
			if j >= MaxVirtualDrivesPerGroup {
				break
			}
			mp := dg.VirtualDrives[j].MountPath
			if !strings.HasPrefix(mp, "/var/") || path.Clean(mp) != mp {
				continue // refused as it is (validateVirtualDrive)
			}
			if sys := systemSubtree(mp); sys != "" {
				errs = append(errs, field.Invalid(spec.Child("raid", "driveGroups").Index(i).Child("virtualDrives").Index(j).Child("mountPath"), mp,
					fmt.Sprintf("must not be, hold or lie in %s: the node needs it (use a directory such as /var/mnt/supremeraid/vd0)", sys)))
			}
		}
	}
	return errs
}

// validateURL refuses what must never be in a URL written into manifests and printed commands:
// whitespace, control characters and quotes (they end a shell word or a YAML scalar), and, for
// the installer, user info (it would land in the Module, the BuildConfig and the build log).
func validateURL(p *field.Path, v string, installer bool) field.ErrorList {
	if i := strings.IndexFunc(v, func(r rune) bool {
		return r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || strings.ContainsRune("\"'`\\", r)
	}); i >= 0 {
		return field.ErrorList{field.Invalid(p, v, fmt.Sprintf("must not contain whitespace, control characters, quotes or backslashes (found %q at byte %d); percent-encode them", v[i:i+1], i))}
	}
	u, err := url.Parse(v)
	if err == nil && u.User != nil {
		detail := "must not carry user info (user:password@): it would be stored in the generated objects and printed in logs"
		if installer {
			detail += "; put the credentials in a Secret and name it in spec.driver.installer.credentialsSecret"
		}
		return field.ErrorList{field.Forbidden(p, detail)}
	}
	return nil
}

// validateKernelLine refuses a command line the kernel would cut.
func validateKernelLine(p *field.Path, k *Kernel) field.ErrorList {
	var errs field.ErrorList
	total := 0
	if k.IOMMU == nil || *k.IOMMU != "" {
		total += len("iommu=passthrough ")
	}
	if k.NVMeMultipath == nil || *k.NVMeMultipath {
		total += len("nvme_core.multipath=Y ")
	}
	for _, a := range k.ExtraArgs {
		total += len(a) + 1
	}
	if limit := KernelCommandLineMax - kernelCommandLineReserve; total > limit {
		errs = append(errs, field.Invalid(p.Child("extraArgs"), field.OmitValueType{}, fmt.Sprintf(
			"the kernel arguments of this config take %d bytes; at most %d fit beside RHCOS's own within the kernel's %d-byte command line (x86 COMMAND_LINE_SIZE), which is cut silently beyond",
			total, limit, KernelCommandLineMax)))
	}
	return errs
}

// systemSubtree returns the system directory mp is, lies in or holds ("" if none). mp is clean
// and absolute (checked before).
func systemSubtree(mp string) string {
	if mp == "" {
		return ""
	}
	for _, sys := range systemSubtrees {
		if mp == sys || strings.HasPrefix(mp, sys+"/") || strings.HasPrefix(sys, mp+"/") {
			return sys
		}
	}
	return ""
}
