package config

import "k8s.io/utils/ptr"

// Defaults for everything a user may leave out. Exported so generators and docs use one value.
const (
	DefaultName      = "graid"
	DefaultNamespace = "supremeraid"
	NodeLabel        = "feature.node.kubernetes.io/supremeraid"
	DefaultPool      = "worker"
	// DefaultCustomPool is the MachineConfigPool made for SupremeRAID nodes when the config
	// names no pool; nodes join it with the label node-role.kubernetes.io/supremeraid.
	DefaultCustomPool         = "supremeraid"
	DefaultIOMMU              = "pt"
	DefaultNodeImage          = "quay.io/supremeraid-fn/supremeraid-fn:v0.1.0"
	DefaultGracePeriod        = int64(120)
	RestOfGroup               = "100%" // the only percentage: the rest of the drive group
	DefaultVDSize             = RestOfGroup
	DefaultFilesystem         = XFS
	DefaultPodLabel           = "supremeraid.dev/inject"
	DefaultContainerPath      = "/data"
	DefaultOPANamespace       = "opa"
	DefaultTimeoutSeconds     = int32(5)
	DefaultArgoCDNamespace    = "openshift-gitops"
	DefaultArgoCDProject      = "default"
	DefaultOPAChartRepo       = "https://open-policy-agent.github.io/kube-mgmt/charts"
	DefaultOPAChartVersion    = "11.0.7"
	DefaultPoolMaxUnavailable = int32(1)
	// InternalRegistry is OpenShift's image registry service, as nodes and builds reach it.
	InternalRegistry        = "image-registry.openshift-image-registry.svc:5000"
	DefaultNodeRuntimeClass = "nvidia"
	// DefaultNVIDIADriverImageRepo and DefaultNVIDIADriverImageOS make the default
	// spec.nvidia.driverImage, <repo>:<driverVersion>-<os>: NVIDIA's driver image for RHCOS 4.16
	// (an EUS release, so driver branches keep being published for it). The build only takes
	// the version's .run from it, which every OS variant holds.
	DefaultNVIDIADriverImageRepo = "nvcr.io/nvidia/driver"
	DefaultNVIDIADriverImageOS   = "rhcos4.16"
	DefaultNVIDIAKernelModule    = NVIDIAProprietary
	// DriverVersionLabel is the node label GPU Feature Discovery (GPU Operator v24.3 and later)
	// sets to the version of the NVIDIA driver it finds loaded, e.g. 550.90.07. The KMM Module and
	// the node DaemonSet select on it, so graid_nvidia is only loaded next to the nvidia.ko it
	// was built against.
	DriverVersionLabel = "nvidia.com/cuda.driver-version.full"
)

// DefaultGPUDeviceIDs are the PCI device IDs (vendor 10de) of every GPU a SupremeRAID card is
// built on, from the "Compatible GPUs" table of NVIDIA's open-gpu-kernel-modules README (a test
// checks each against an extract in generators/nfd/testdata): SR-1000 on the T1000 (1fb0) or
// T1000 8GB (1ff0), SR-1001 on the T400 (1fb2) or T400 4GB (1ff2), SR-1010 on the RTX A2000
// (2531) or A2000 12GB (2571), SR-PAM2 on the RTX A1000 (25b0), and the RTX A400 (25b2) of the
// same family. A node whose card is missing here gets no label, no modules, and keeps the device
// plugin, which would hand the RAID GPU to pods. Users add IDs in spec.nodeDiscovery.gpuDeviceIDs.
var DefaultGPUDeviceIDs = []string{"1fb0", "1fb2", "1ff0", "1ff2", "2531", "2571", "25b0", "25b2"}

// Default fills in every field the user left out. It never overrides a value that was set, and
// it leaves invalid values for Validate to report.
func (c *SupremeRAID) Default() {
	if c.Name == "" {
		c.Name = DefaultName
	}
	s := &c.Spec
	if s.Namespace == "" {
		s.Namespace = DefaultNamespace
	}
	if len(s.NodeSelector) == 0 {
		s.NodeSelector = map[string]string{NodeLabel: "true"}
	}
	if s.NodeDiscovery.Enabled == nil {
		s.NodeDiscovery.Enabled = ptr.To(true)
	}
	if len(s.NodeDiscovery.GPUDeviceIDs) == 0 {
		s.NodeDiscovery.GPUDeviceIDs = append([]string(nil), DefaultGPUDeviceIDs...)
	}
	if s.MachineConfig.Enabled == nil {
		s.MachineConfig.Enabled = ptr.To(true)
	}
	// By default only SupremeRAID nodes get the MachineConfig (and reboot for it): a dedicated
	// pool that inherits every worker MachineConfig. Naming pools (e.g. [worker]) is the
	// explicit way to target others.
	if len(s.MachineConfig.Pools) == 0 && s.MachineConfig.CustomPool == nil {
		s.MachineConfig.CustomPool = &CustomPool{Name: DefaultCustomPool}
	}
	if cp := s.MachineConfig.CustomPool; cp != nil && cp.MaxUnavailable == nil {
		cp.MaxUnavailable = ptr.To(DefaultPoolMaxUnavailable)
	}
	if len(s.MachineConfig.Pools) == 0 {
		if cp := s.MachineConfig.CustomPool; cp != nil && cp.Name != "" {
			s.MachineConfig.Pools = []string{cp.Name}
		} else {
			s.MachineConfig.Pools = []string{DefaultPool}
		}
	}
	if s.Driver.LicenseSecret == "" {
		s.Driver.LicenseSecret = c.Name + "-license"
	}
	if s.NVIDIA.ClusterPolicy == nil {
		s.NVIDIA.ClusterPolicy = ptr.To(true)
	}
	// Without a version there is no image to name; Validate reports the missing version once.
	if s.NVIDIA.DriverImage == "" && s.NVIDIA.DriverVersion != "" {
		s.NVIDIA.DriverImage = DefaultNVIDIADriverImageRepo + ":" + s.NVIDIA.DriverVersion + "-" + DefaultNVIDIADriverImageOS
	}
	if s.NVIDIA.KernelModuleType == "" {
		s.NVIDIA.KernelModuleType = DefaultNVIDIAKernelModule
	}
	if s.NVIDIA.OperatorVersion == "" {
		s.NVIDIA.OperatorVersion = DefaultGPUOperatorVersion
	}
	if s.NVIDIA.DevicePlugin == "" {
		s.NVIDIA.DevicePlugin = DevicePluginPerNode
	}
	if s.Kernel.IOMMU == nil {
		s.Kernel.IOMMU = ptr.To(DefaultIOMMU)
	}
	if s.Kernel.NVMeMultipath == nil {
		s.Kernel.NVMeMultipath = ptr.To(true)
	}
	if s.Kernel.BlacklistNouveau == nil {
		s.Kernel.BlacklistNouveau = ptr.To(true)
	}
	if s.Node.Image == "" {
		s.Node.Image = DefaultNodeImage
	}
	if s.Node.ImageRepository == "" {
		s.Node.ImageRepository = DefaultNodeImageRepository(c)
	}
	if s.Node.RuntimeClassName == nil {
		s.Node.RuntimeClassName = ptr.To(DefaultNodeRuntimeClass)
	}
	if s.Node.TerminationGracePeriodSeconds == nil {
		s.Node.TerminationGracePeriodSeconds = ptr.To(DefaultGracePeriod)
	}
	for i := range s.RAID.DriveGroups {
		dg := &s.RAID.DriveGroups[i]
		for j := range dg.VirtualDrives {
			vd := &dg.VirtualDrives[j]
			if vd.Size == "" {
				vd.Size = DefaultVDSize
			}
			if vd.Filesystem == "" {
				vd.Filesystem = DefaultFilesystem
			}
		}
	}
	w := &s.Workloads
	if w.PodLabel == "" {
		w.PodLabel = DefaultPodLabel
	}
	if w.ContainerPath == "" {
		w.ContainerPath = DefaultContainerPath
	}
	if w.MountPath == "" {
		if dgs := s.RAID.DriveGroups; len(dgs) > 0 && len(dgs[0].VirtualDrives) > 0 {
			w.MountPath = dgs[0].VirtualDrives[0].MountPath
		}
	}
	for i := range w.Namespaces {
		if ns := &w.Namespaces[i]; ns.FSGroup == nil {
			ns.FSGroup = ptr.To(ns.RunAsGroup)
		}
	}
	for i := range w.Namespaces {
		if ns := &w.Namespaces[i]; ns.SELinuxLevel == "" {
			ns.SELinuxLevel = DerivedSELinuxLevel(ns.Name)
		}
	}
	if w.NamespaceCreators == nil {
		w.NamespaceCreators = DefaultNamespaceCreators()
	}
	o := &s.OPA
	if o.Enabled == nil {
		o.Enabled = ptr.To(true)
	}
	if o.Namespace == "" {
		o.Namespace = DefaultOPANamespace
	}
	if o.FailurePolicy == "" {
		o.FailurePolicy = FailurePolicyFail
	}
	if o.TimeoutSeconds == nil {
		o.TimeoutSeconds = ptr.To(DefaultTimeoutSeconds)
	}
	if o.Install == "" {
		o.Install = InstallHelm
	}
	if o.ArgoCD.Namespace == "" {
		o.ArgoCD.Namespace = DefaultArgoCDNamespace
	}
	if o.ArgoCD.Project == "" {
		o.ArgoCD.Project = DefaultArgoCDProject
	}
	if o.ArgoCD.RepoURL == "" {
		o.ArgoCD.RepoURL = DefaultOPAChartRepo
	}
	if o.ArgoCD.ChartVersion == "" {
		o.ArgoCD.ChartVersion = DefaultOPAChartVersion
	}
}

// DefaultNodeImageRepository is where the node image build pushes unless spec.node.imageRepository
// says otherwise: an ImageStream <name>-node in spec.namespace of the internal registry.
func DefaultNodeImageRepository(c *SupremeRAID) string {
	return InternalRegistry + "/" + c.Spec.Namespace + "/" + c.Name + "-node"
}
