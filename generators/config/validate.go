package config

import (
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"supremeraid.dev/supremeraid-fn/generators/nodelayout"
)

// SupremeRAID product limits: the one table in generators/nodelayout, with its sources.
const (
	MaxPhysicalDrives        = nodelayout.MaxPhysicalDrives
	MaxDriveGroups           = nodelayout.MaxDriveGroups
	MaxDrivesPerGroup        = nodelayout.MaxDrivesPerGroup
	MaxVirtualDrivesPerGroup = nodelayout.MaxVirtualDrivesPerGroup
	maxNameLen               = 40 // leaves room for the longest suffix within 63 characters
	maxExtraKernelArgLength  = 256
)

// MinDrives is the smallest drive count each RAID level accepts (nodelayout.MinDrives).
var MinDrives = map[RAIDLevel]int{RAID0: nodelayout.MinDrives["raid0"], RAID1: nodelayout.MinDrives["raid1"],
	RAID5: nodelayout.MinDrives["raid5"], RAID6: nodelayout.MinDrives["raid6"], RAID10: nodelayout.MinDrives["raid10"]}

// raidLevels in the order error messages list them.
var raidLevels = []string{string(RAID0), string(RAID1), string(RAID5), string(RAID6), string(RAID10)}

var (
	versionRe      = lazyRE(`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$`)
	nvidiaVerRe    = lazyRE(`^[0-9]{3,4}\.[0-9]{1,3}(\.[0-9]{1,3})?$`)
	sha256Re       = lazyRE(`^[0-9a-f]{64}$`)
	nvmeDeviceRe   = lazyRE(`^/dev/nvme(0|[1-9][0-9]*)n[1-9][0-9]*$`) // as the kernel names them: no leading zeros, namespace IDs from 1
	byIDDeviceRe   = lazyRE(`^/dev/disk/by-(id|path)/[A-Za-z0-9._:+@-]+$`)
	pciDeviceIDRe  = lazyRE(`^[0-9a-f]{4}$`)
	imageRe        = lazyRE(`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)+$`)
	imageRefRe     = lazyRE(`^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$`)
	mountOptionRe  = lazyRE(`^[A-Za-z0-9_.=:/+-]+$`)
	kernelArgRe    = lazyRE(`^[A-Za-z0-9_.,:=/+-]+$`)
	sizeRe         = lazyRE(`^[1-9][0-9]{0,5}(Gi|Ti|Pi)$`)
	reservedPrefix = []string{"openshift", "kube-"}
)

// Validate reports every problem of a defaulted config at once, each with its field path.
func (c *SupremeRAID) Validate() field.ErrorList {
	var errs field.ErrorList
	if c.APIVersion != APIVersion {
		errs = append(errs, field.NotSupported(field.NewPath("apiVersion"), c.APIVersion, []string{APIVersion}))
	}
	if c.Kind != Kind {
		errs = append(errs, field.NotSupported(field.NewPath("kind"), c.Kind, []string{Kind}))
	}
	nameErrs := validateDNSLabel(field.NewPath("metadata", "name"), c.Name, maxNameLen)
	errs = append(errs, nameErrs...)

	spec := field.NewPath("spec")
	s := &c.Spec
	errs = append(errs, validateDNSLabel(spec.Child("namespace"), s.Namespace, validation.DNS1123LabelMaxLength)...)
	errs = append(errs, validateLabels(spec.Child("nodeSelector"), s.NodeSelector)...)
	errs = append(errs, validateGateLabel(spec.Child("nodeSelector"), s.NodeSelector)...)
	errs = append(errs, validateTolerations(spec.Child("tolerations"), s.Tolerations)...)
	errs = append(errs, validateNodeDiscovery(spec.Child("nodeDiscovery"), &s.NodeDiscovery)...)
	errs = append(errs, validateMachineConfig(spec.Child("machineConfig"), &s.MachineConfig)...)
	// A license Secret name defaulted from a bad metadata.name would only repeat that error.
	derivedLicense := len(nameErrs) > 0 && s.Driver.LicenseSecret == c.Name+"-license"
	errs = append(errs, validateDriver(spec.Child("driver"), &s.Driver, derivedLicense)...)
	errs = append(errs, validateNVIDIA(spec.Child("nvidia"), &s.NVIDIA)...)
	errs = append(errs, validateGPUStack(c)...) // validate_nvidia.go
	errs = append(errs, validateKernel(spec.Child("kernel"), &s.Kernel)...)
	errs = append(errs, validateNode(spec.Child("node"), &s.Node, DefaultNodeImageRepository(c))...)
	errs = append(errs, validateRAID(spec.Child("raid"), &s.RAID)...)
	errs = append(errs, validateRAIDIdentity(spec.Child("raid"), &s.RAID)...)
	errs = append(errs, validateWorkloads(spec.Child("workloads"), s)...)
	errs = append(errs, validateTenants(spec.Child("workloads"), &s.Workloads)...)
	errs = append(errs, validateOPA(spec.Child("opa"), s)...)
	errs = append(errs, validateMonitoring(spec.Child("monitoring"), &s.Monitoring)...)
	errs = append(errs, validateInput(c)...)
	return errs
}

func validateDNSLabel(p *field.Path, v string, max int) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(p, "a lower-case DNS-1123 label")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(v) {
		errs = append(errs, field.Invalid(p, v, msg))
	}
	if len(v) > max && len(errs) == 0 {
		errs = append(errs, field.TooLong(p, v, max))
	}
	return errs
}

func validateLabels(p *field.Path, labels map[string]string) field.ErrorList {
	var errs field.ErrorList
	for _, k := range sortedKeys(labels) {
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, field.Invalid(p.Key(k), k, "label key: "+msg))
		}
		for _, msg := range validation.IsValidLabelValue(labels[k]) {
			errs = append(errs, field.Invalid(p.Key(k), labels[k], "label value: "+msg))
		}
	}
	return errs
}

func validateNodeDiscovery(p *field.Path, nd *NodeDiscovery) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, id := range nd.GPUDeviceIDs {
		ip := p.Child("gpuDeviceIDs").Index(i)
		if !pciDeviceIDRe.MatchString(id) {
			errs = append(errs, field.Invalid(ip, id, "must be a PCI device ID of 4 lower-case hex digits, e.g. 1ff2"))
		} else if seen[id] {
			errs = append(errs, field.Duplicate(ip, id))
		}
		seen[id] = true
	}
	return errs
}

func validateMachineConfig(p *field.Path, mc *MachineConfig) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i, pool := range mc.Pools {
		ip := p.Child("pools").Index(i)
		errs = append(errs, validateDNSLabel(ip, pool, maxNameLen)...)
		if seen[pool] {
			errs = append(errs, field.Duplicate(ip, pool))
		}
		seen[pool] = true
	}
	if cp := mc.CustomPool; cp != nil {
		cpp := p.Child("customPool")
		errs = append(errs, validateDNSLabel(cpp.Child("name"), cp.Name, maxNameLen)...)
		if cp.Name == "master" || cp.Name == DefaultPool {
			errs = append(errs, field.Invalid(cpp.Child("name"), cp.Name, "must not be a built-in pool (master, worker); leave customPool out to use them"))
		}
		if cp.MaxUnavailable != nil && *cp.MaxUnavailable < 1 {
			errs = append(errs, field.Invalid(cpp.Child("maxUnavailable"), *cp.MaxUnavailable, "must be at least 1"))
		}
	}
	return errs
}

func validateDriver(p *field.Path, d *Driver, skipLicense bool) field.ErrorList {
	var errs field.ErrorList
	if d.Version == "" {
		errs = append(errs, field.Required(p.Child("version"), "the SupremeRAID driver release, e.g. 1.7.2"))
	} else if !versionRe.MatchString(d.Version) {
		errs = append(errs, field.Invalid(p.Child("version"), d.Version, "must be a release number like 1.7.2 or 1.7.2-010"))
	}
	ip := p.Child("installer")
	in := &d.Installer
	switch {
	case in.URL == "" && in.Image == "":
		errs = append(errs, field.Required(ip, "one of url or image"))
	case in.URL != "" && in.Image != "":
		errs = append(errs, field.Forbidden(ip, "url and image are mutually exclusive: set one"))
	}
	if in.URL != "" {
		if u, err := url.Parse(in.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, field.Invalid(ip.Child("url"), in.URL, "must be an http(s) URL"))
		}
	}
	if in.Image != "" {
		if !imageRefRe.MatchString(in.Image) {
			errs = append(errs, field.Invalid(ip.Child("image"), in.Image, "must be an image reference like registry/repo:tag or registry/repo@sha256:<digest>"))
		}
		errs = append(errs, validateAbsPath(ip.Child("path"), in.Path)...)
	} else if in.Path != "" {
		errs = append(errs, field.Forbidden(ip.Child("path"), "only with image"))
	}
	if in.SHA256 == "" {
		errs = append(errs, field.Required(ip.Child("sha256"), "64 lower-case hex digits; the build refuses an unchecked installer"))
	} else if !sha256Re.MatchString(in.SHA256) {
		errs = append(errs, field.Invalid(ip.Child("sha256"), in.SHA256, "must be 64 lower-case hex digits"))
	}
	if in.CredentialsSecret != "" {
		if in.URL == "" {
			errs = append(errs, field.Forbidden(ip.Child("credentialsSecret"), "only with url"))
		}
		errs = append(errs, validateSecretName(ip.Child("credentialsSecret"), in.CredentialsSecret)...)
	}
	if !skipLicense {
		errs = append(errs, validateSecretName(p.Child("licenseSecret"), d.LicenseSecret)...)
	}
	if d.KmodImage == "" {
		errs = append(errs, field.Required(p.Child("kmodImage"), "image repository (no tag) KMM pushes the built modules to"))
	} else if !imageRe.MatchString(d.KmodImage) {
		errs = append(errs, field.Invalid(p.Child("kmodImage"), d.KmodImage, "must be an image repository without tag or digest, e.g. image-registry.openshift-image-registry.svc:5000/supremeraid/graid-kmod"))
	}
	if d.ImageRepoSecret != "" {
		errs = append(errs, validateSecretName(p.Child("imageRepoSecret"), d.ImageRepoSecret)...)
	}
	if d.Sign != nil {
		errs = append(errs, validateSecretName(p.Child("sign", "keySecret"), d.Sign.KeySecret)...)
		errs = append(errs, validateSecretName(p.Child("sign", "certSecret"), d.Sign.CertSecret)...)
	}
	return errs
}

func validateSecretName(p *field.Path, v string) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(p, "a Secret name")}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Subdomain(v) {
		errs = append(errs, field.Invalid(p, v, msg))
	}
	return errs
}

func validateNVIDIA(p *field.Path, n *NVIDIA) field.ErrorList {
	var errs field.ErrorList
	switch {
	case n.DriverVersion == "":
		errs = append(errs, field.Required(p.Child("driverVersion"), "the NVIDIA driver version graid_nvidia is built against, e.g. 550.90.07"))
	case !nvidiaVerRe.MatchString(n.DriverVersion):
		errs = append(errs, field.Invalid(p.Child("driverVersion"), n.DriverVersion, "must be an NVIDIA driver version like 550.90.07"))
	}
	errs = append(errs, validateNVIDIADriverImage(p.Child("driverImage"), n)...)
	errs = append(errs, validateKernelModuleType(p.Child("kernelModuleType"), n.KernelModuleType)...)
	return errs
}

func validateKernel(p *field.Path, k *Kernel) field.ErrorList {
	var errs field.ErrorList
	if k.IOMMU != nil {
		switch *k.IOMMU {
		case "pt", "off", "":
		default:
			errs = append(errs, field.NotSupported(p.Child("iommu"), *k.IOMMU, []string{"pt", "off", ""}))
		}
	}
	for i, a := range k.ExtraArgs {
		ip := p.Child("extraArgs").Index(i)
		switch {
		case a == "":
			errs = append(errs, field.Required(ip, "a kernel argument such as pci=realloc"))
		case len(a) > maxExtraKernelArgLength:
			errs = append(errs, field.TooLong(ip, a, maxExtraKernelArgLength))
		case !kernelArgRe.MatchString(a):
			errs = append(errs, field.Invalid(ip, a, "one kernel argument without spaces or quotes"))
		case securityArg(a) != "":
			errs = append(errs, field.Forbidden(ip, "SupremeRAID does not need SELinux changed; this function never disables it ("+securityArg(a)+" changes or disables the security modules)"))
		// The kernel takes the last of two iommu= (or nvme_core.multipath=) arguments: one
		// place decides each.
		case strings.HasPrefix(a, "iommu=") && (k.IOMMU == nil || *k.IOMMU != ""):
			errs = append(errs, field.Invalid(ip, a, `conflicts with spec.kernel.iommu, which writes iommu= already; set the value there, or set it to "" to give your own iommu= here`))
		case strings.HasPrefix(a, "nvme_core.multipath=") && (k.NVMeMultipath == nil || *k.NVMeMultipath):
			errs = append(errs, field.Invalid(ip, a, "conflicts with spec.kernel.nvmeMultipath, which writes nvme_core.multipath=Y already; set nvmeMultipath: false to give your own value here"))
		}
	}
	return errs
}

func validateNode(p *field.Path, n *Node, derivedRepository string) field.ErrorList {
	var errs field.ErrorList
	if !imageRefRe.MatchString(n.Image) {
		errs = append(errs, field.Invalid(p.Child("image"), n.Image, "must be an image reference like registry/repo:tag or registry/repo@sha256:<digest>"))
	}
	// The default repository is made of metadata.name and spec.namespace, validated above.
	if n.ImageRepository != derivedRepository && !imageRe.MatchString(n.ImageRepository) {
		errs = append(errs, field.Invalid(p.Child("imageRepository"), n.ImageRepository, "must be an image repository without tag or digest, e.g. "+InternalRegistry+"/supremeraid/graid-node"))
	}
	if rc := n.RuntimeClassName; rc != nil && *rc != "" {
		for _, msg := range validation.IsDNS1123Subdomain(*rc) {
			errs = append(errs, field.Invalid(p.Child("runtimeClassName"), *rc, msg))
		}
	}
	if g := n.TerminationGracePeriodSeconds; g != nil && (*g < 30 || *g > 3600) {
		errs = append(errs, field.Invalid(p.Child("terminationGracePeriodSeconds"), *g, "must be 30 to 3600 seconds: unmounting a busy volume needs time"))
	}
	return errs
}

func validateRAID(p *field.Path, r *RAID) field.ErrorList {
	var errs field.ErrorList
	dgp := p.Child("driveGroups")
	if len(r.DriveGroups) == 0 {
		errs = append(errs, field.Required(dgp, "at least one drive group"))
	}
	if len(r.DriveGroups) > MaxDriveGroups {
		errs = append(errs, field.TooMany(dgp, len(r.DriveGroups), MaxDriveGroups))
	}
	drives := map[string]string{} // device -> path of first use
	mounts := map[string]*field.Path{}
	total := 0
	for i := range r.DriveGroups {
		total += len(r.DriveGroups[i].PhysicalDrives)
	}
	for i := range r.DriveGroups {
		if i >= MaxDriveGroups {
			break // length first: the entries of an over-long list are not walked
		}
		dg := &r.DriveGroups[i]
		ip := dgp.Index(i)
		errs = append(errs, validateDriveGroup(ip, dg, drives)...)
		if len(dg.VirtualDrives) > MaxVirtualDrivesPerGroup {
			continue // reported by validateDriveGroup; its entries are not walked
		}
		for j := range dg.VirtualDrives {
			errs = append(errs, validateVirtualDrive(ip.Child("virtualDrives").Index(j), &dg.VirtualDrives[j], mounts)...)
		}
	}
	if total > MaxPhysicalDrives {
		errs = append(errs, field.Invalid(dgp, total, fmt.Sprintf("SupremeRAID supports at most %d physical drives in all drive groups together, got %d", MaxPhysicalDrives, total)))
	}
	errs = append(errs, validateNesting(mounts)...)
	return errs
}

func validateDriveGroup(p *field.Path, dg *DriveGroup, drives map[string]string) field.ErrorList {
	var errs field.ErrorList
	pdp := p.Child("physicalDrives")
	min, known := MinDrives[dg.RAIDLevel]
	if !known {
		errs = append(errs, field.NotSupported(p.Child("raidLevel"), string(dg.RAIDLevel), raidLevels))
	}
	n := len(dg.PhysicalDrives)
	switch {
	case known && n < min:
		errs = append(errs, field.Invalid(pdp, n, fmt.Sprintf("%s needs at least %d drives, got %d", dg.RAIDLevel, min, n)))
	case n > MaxDrivesPerGroup:
		errs = append(errs, field.TooMany(pdp, n, MaxDrivesPerGroup))
	case dg.RAIDLevel == RAID10 && n%2 != 0:
		errs = append(errs, field.Invalid(pdp, n, fmt.Sprintf("raid10 needs an even number of drives, got %d", n)))
	}
	inGroup := map[string]bool{}
	drivesToWalk := dg.PhysicalDrives
	if n > MaxDrivesPerGroup {
		drivesToWalk = nil // length first: 50,000 bad drives are one problem, not 50,000
	}
	for i, d := range drivesToWalk {
		ip := pdp.Index(i)
		if !nvmeDeviceRe.MatchString(d) && !identityDriveRe.MatchString(d) && (!byIDDeviceRe.MatchString(d) || path.Base(d) == "..") {
			errs = append(errs, field.Invalid(ip, d, "must be an NVMe namespace like /dev/nvme0n1 or a /dev/disk/by-id/ or /dev/disk/by-path/ link, wwid:<WWID> or serial:<serial> (stable names are safer)"))
			continue
		}
		if first, dup := drives[d]; dup {
			errs = append(errs, withDetail(field.Duplicate(ip, d), "already used at "+first))
			continue
		}
		drives[d] = ip.String()
		inGroup[d] = true
	}
	for i, d := range dg.AllowInitialize {
		if !inGroup[d] && n <= MaxDrivesPerGroup {
			errs = append(errs, field.Invalid(p.Child("allowInitialize").Index(i), d, "must name one of this group's physicalDrives"))
		}
	}
	vdp := p.Child("virtualDrives")
	if len(dg.VirtualDrives) == 0 {
		errs = append(errs, field.Required(vdp, "at least one virtual drive"))
	}
	if len(dg.VirtualDrives) > MaxVirtualDrivesPerGroup {
		errs = append(errs, field.TooMany(vdp, len(dg.VirtualDrives), MaxVirtualDrivesPerGroup))
	}
	// graidctl reports no drive-group capacity to compute a share from, so "100%" means "create
	// the virtual drive without a size" (the rest of the group) and only the last drive may do it.
	for j, vd := range dg.VirtualDrives {
		if j >= MaxVirtualDrivesPerGroup {
			break
		}
		if vd.Size == RestOfGroup && j != len(dg.VirtualDrives)-1 {
			errs = append(errs, field.Invalid(vdp.Index(j).Child("size"), vd.Size, `"100%" (the rest of the group) is only allowed on the last virtual drive of a group`))
		}
	}
	return errs
}

func validateVirtualDrive(p *field.Path, vd *VirtualDrive, mounts map[string]*field.Path) field.ErrorList {
	var errs field.ErrorList
	sp := p.Child("size")
	if vd.Size != RestOfGroup && !sizeRe.MatchString(vd.Size) {
		errs = append(errs, field.Invalid(sp, vd.Size, `must be a whole number of Gi, Ti or Pi (e.g. 500Gi, 2Ti) or "100%" for the rest of the group`))
	}
	switch vd.Filesystem {
	case XFS, Ext4:
	default:
		errs = append(errs, field.NotSupported(p.Child("filesystem"), string(vd.Filesystem), []string{string(XFS), string(Ext4)}))
	}
	mp := p.Child("mountPath")
	if pathErrs := validateAbsPath(mp, vd.MountPath); len(pathErrs) > 0 {
		errs = append(errs, pathErrs...)
	} else if !strings.HasPrefix(vd.MountPath, "/var/") {
		errs = append(errs, field.Invalid(mp, vd.MountPath, "must be under /var/ (e.g. /var/mnt/supremeraid/vd0): RHCOS keeps the rest of / read-only"))
	} else if first, dup := mounts[vd.MountPath]; dup {
		errs = append(errs, withDetail(field.Duplicate(mp, vd.MountPath), "already used at "+first.String()))
	} else {
		mounts[vd.MountPath] = mp
	}
	for i, o := range vd.MountOptions {
		if !mountOptionRe.MatchString(o) {
			errs = append(errs, field.Invalid(p.Child("mountOptions").Index(i), o, "one mount option without commas or spaces, e.g. noatime"))
		}
	}
	return errs
}

// validateNesting rejects a mount path inside another: the inner mount would hide or be hidden
// depending on mount order. Paths are clean, so looking up each parent directory finds every
// enclosing mount in O(paths x depth); comparing all pairs was quadratic (1,000 virtual drives
// took most of the validation time).
func validateNesting(mounts map[string]*field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, inner := range sortedKeys(mounts) {
		var outers []string // nearest first
		for dir := path.Dir(inner); dir != "/" && dir != "."; dir = path.Dir(dir) {
			if _, ok := mounts[dir]; ok {
				outers = append(outers, dir)
			}
		}
		for i := len(outers) - 1; i >= 0; i-- { // outermost first, as sorted order had it
			outer := outers[i]
			errs = append(errs, field.Invalid(mounts[inner], inner, "must not lie inside another virtual drive's mountPath ("+outer+" at "+mounts[outer].String()+")"))
		}
	}
	return errs
}

func validateAbsPath(p *field.Path, v string) field.ErrorList {
	switch {
	case v == "":
		return field.ErrorList{field.Required(p, "an absolute path")}
	case !path.IsAbs(v):
		return field.ErrorList{field.Invalid(p, v, "must be an absolute path")}
	case path.Clean(v) != v || v == "/":
		return field.ErrorList{field.Invalid(p, v, "must be a clean absolute path below / (no trailing slash, no . or .., no //), e.g. "+path.Clean(v))}
	case strings.ContainsAny(v, " \t\n\",\\'"):
		return field.ErrorList{field.Invalid(p, v, "must not contain spaces, quotes, commas or backslashes")}
	case strings.IndexFunc(v, isControl) >= 0:
		return field.ErrorList{field.Invalid(p, v, "must not contain control characters (carriage return, DEL, escape, ...)")}
	}
	return nil
}

func validateWorkloads(p *field.Path, s *Spec) field.ErrorList {
	var errs field.ErrorList
	w := &s.Workloads
	for _, msg := range validation.IsQualifiedName(w.PodLabel) {
		errs = append(errs, field.Invalid(p.Child("podLabel"), w.PodLabel, "label key: "+msg))
	}
	errs = append(errs, validateAbsPath(p.Child("containerPath"), w.ContainerPath)...)
	if len(w.Namespaces) > 0 && !mountPathExists(s, w.MountPath) {
		errs = append(errs, field.Invalid(p.Child("mountPath"), w.MountPath, "must be the mountPath of one of spec.raid's virtual drives"))
	}
	seen := map[string]bool{}
	for i := range w.Namespaces {
		ns := &w.Namespaces[i]
		ip := p.Child("namespaces").Index(i)
		np := ip.Child("name")
		errs = append(errs, validateDNSLabel(np, ns.Name, validation.DNS1123LabelMaxLength)...)
		switch {
		case seen[ns.Name]:
			errs = append(errs, field.Duplicate(np, ns.Name))
		case ns.Name == s.Namespace || ns.Name == s.OPA.Namespace || ns.Name == "default" || hasReservedPrefix(ns.Name):
			errs = append(errs, field.Invalid(np, ns.Name, "must be a user namespace: not default, openshift*, kube-*, spec.namespace or spec.opa.namespace"))
		}
		seen[ns.Name] = true
		errs = append(errs, validateID(ip.Child("runAsUser"), ns.RunAsUser)...)
		errs = append(errs, validateID(ip.Child("runAsGroup"), ns.RunAsGroup)...)
		// An fsGroup equal to runAsGroup (its default) is checked there; reporting it again
		// would only repeat that problem, or one the decoder reported for runAsGroup.
		if ns.FSGroup != nil && *ns.FSGroup != ns.RunAsGroup {
			errs = append(errs, validateID(ip.Child("fsGroup"), *ns.FSGroup)...)
		}
	}
	return errs
}

func mountPathExists(s *Spec, mp string) bool {
	for _, dg := range s.RAID.DriveGroups {
		for _, vd := range dg.VirtualDrives {
			if vd.MountPath == mp && mp != "" {
				return true
			}
		}
	}
	return false
}

func hasReservedPrefix(name string) bool {
	for _, p := range reservedPrefix {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// validateID rejects root (0) and anything outside the positive 32-bit range Kubernetes accepts.
func validateID(p *field.Path, id int64) field.ErrorList {
	if id < 1 || id > 2147483647 {
		return field.ErrorList{field.Invalid(p, id, "must be 1 to 2147483647 (pods never get root through this volume)")}
	}
	return nil
}

func validateOPA(p *field.Path, s *Spec) field.ErrorList {
	var errs field.ErrorList
	o := &s.OPA
	errs = append(errs, validateDNSLabel(p.Child("namespace"), o.Namespace, validation.DNS1123LabelMaxLength)...)
	if o.Namespace == s.Namespace {
		errs = append(errs, field.Invalid(p.Child("namespace"), o.Namespace, "must differ from spec.namespace: kube-mgmt loads policy from every ConfigMap in its namespace"))
	}
	switch o.FailurePolicy {
	case FailurePolicyFail, FailurePolicyIgnore:
	default:
		errs = append(errs, field.NotSupported(p.Child("failurePolicy"), string(o.FailurePolicy), []string{string(FailurePolicyFail), string(FailurePolicyIgnore)}))
	}
	if t := o.TimeoutSeconds; t != nil && (*t < 1 || *t > 30) {
		errs = append(errs, field.Invalid(p.Child("timeoutSeconds"), *t, "must be 1 to 30 (the API server's limit)"))
	}
	switch o.Install {
	case InstallHelm, InstallArgoCD:
	default:
		errs = append(errs, field.NotSupported(p.Child("install"), string(o.Install), []string{string(InstallHelm), string(InstallArgoCD)}))
	}
	ap := p.Child("argocd")
	errs = append(errs, validateDNSLabel(ap.Child("namespace"), o.ArgoCD.Namespace, validation.DNS1123LabelMaxLength)...)
	errs = append(errs, validateDNSLabel(ap.Child("project"), o.ArgoCD.Project, validation.DNS1123LabelMaxLength)...)
	if u, err := url.Parse(o.ArgoCD.RepoURL); err != nil || u.Scheme == "" || u.Host == "" {
		errs = append(errs, field.Invalid(ap.Child("repoURL"), o.ArgoCD.RepoURL, "must be a chart repository URL"))
	}
	if !versionRe.MatchString(o.ArgoCD.ChartVersion) {
		errs = append(errs, field.Invalid(ap.Child("chartVersion"), o.ArgoCD.ChartVersion, "must be an exact chart version like 11.0.7 (no ranges: GitOps needs a pinned chart)"))
	}
	return errs
}

func withDetail(e *field.Error, detail string) *field.Error {
	e.Detail = detail
	return e
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// isControl: C0 controls, DEL and C1 controls.
func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) }
