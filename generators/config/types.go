// Package config is the SupremeRAID configuration API (supremeraid.dev/v1alpha1): the types a
// user writes, their defaults and their validation. Every generator reads only these types.
//
// +kubebuilder:object:generate=false
// +groupName=supremeraid.dev
// +versionName=v1alpha1
package config

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// API identity of the config object.
const (
	Group      = "supremeraid.dev"
	Version    = "v1alpha1"
	Kind       = "SupremeRAID"
	APIVersion = Group + "/" + Version
)

// SupremeRAID is the one object a user writes. It is local configuration for the function and
// is never applied to a cluster.
//
// +kubebuilder:object:root=true
// +kubebuilder:resource:scope=Cluster,shortName=sr
type SupremeRAID struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	Spec Spec `json:"spec"`
}

// Spec describes one SupremeRAID deployment: the nodes, the driver, the RAID layout and the
// workloads that use the volume.
type Spec struct {
	// Namespace receives the KMM Module, the node DaemonSet, their ConfigMaps and ServiceAccounts.
	// +kubebuilder:default=supremeraid
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// NodeSelector picks the SupremeRAID nodes. Default: the label the NodeFeatureRule sets.
	// +optional
	NodeSelector map[string]string `json:"nodeSelector,omitempty"`

	// Tolerations let the KMM loader and the node DaemonSet run on tainted storage nodes.
	// +optional
	Tolerations []corev1.Toleration `json:"tolerations,omitempty"`

	// ArgoCD adds sync-wave annotations so Argo CD applies namespaces and RBAC before the
	// operators' custom resources, and the Module before the DaemonSet.
	// +optional
	ArgoCD ArgoCD `json:"argocd,omitempty"`

	// NodeDiscovery emits an NFD NodeFeatureRule that labels SupremeRAID-capable nodes.
	// +optional
	NodeDiscovery NodeDiscovery `json:"nodeDiscovery,omitempty"`

	// MachineConfig emits the kernel arguments and files SupremeRAID needs on the nodes.
	// +optional
	MachineConfig MachineConfig `json:"machineConfig,omitempty"`

	// Driver is the SupremeRAID driver release and where its installer comes from.
	Driver Driver `json:"driver"`

	// NVIDIA pins the NVIDIA driver that graid_nvidia is built against.
	NVIDIA NVIDIA `json:"nvidia"`

	// Kernel holds the kernel arguments written into the MachineConfig.
	// +optional
	Kernel Kernel `json:"kernel,omitempty"`

	// Node configures the DaemonSet that runs the graid service and mounts the virtual drives.
	// +optional
	Node Node `json:"node,omitempty"`

	// RAID is the layout created on every SupremeRAID node.
	RAID RAID `json:"raid"`

	// Workloads lists the namespaces whose pods get the RAID volume mounted.
	// +optional
	Workloads Workloads `json:"workloads,omitempty"`

	// OPA configures the admission webhook (OPA kube-mgmt) that patches workload pods.
	// +optional
	OPA OPA `json:"opa,omitempty"`

	// Monitoring emits what OpenShift's platform monitoring needs to scrape the node agents'
	// metrics, the alerting rules and the console dashboard.
	// +optional
	Monitoring Monitoring `json:"monitoring,omitempty"`
}

// ArgoCD controls Argo CD specific annotations.
type ArgoCD struct {
	// SyncWaves adds argocd.argoproj.io/sync-wave to every generated object.
	// +optional
	SyncWaves bool `json:"syncWaves,omitempty"`
}

// NodeDiscovery configures the NodeFeatureRule.
type NodeDiscovery struct {
	// Enabled emits the NodeFeatureRule. Default true.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// GPUDeviceIDs are the PCI device IDs (vendor 10de) of SupremeRAID cards, four lower-case hex
	// digits each. Default: every card SupremeRAID ships on.
	// +optional
	GPUDeviceIDs []string `json:"gpuDeviceIDs,omitempty"`
}

// MachineConfig configures the MachineConfig objects.
type MachineConfig struct {
	// Enabled emits the MachineConfigs. Default true. Note: changing them reboots the pool.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// Pools are the MachineConfigPools (by role) that get the MachineConfig. Default
	// [<customPool.name>]; with neither pools nor customPool set, a custom pool named
	// supremeraid is made, so only nodes labelled node-role.kubernetes.io/supremeraid get the
	// kernel arguments and reboot. Set [worker] to target every worker instead.
	// +optional
	Pools []string `json:"pools,omitempty"`

	// CustomPool emits a dedicated MachineConfigPool for the storage nodes.
	// +optional
	CustomPool *CustomPool `json:"customPool,omitempty"`
}

// CustomPool is a MachineConfigPool for SupremeRAID nodes, inheriting the worker configuration.
type CustomPool struct {
	// Name of the pool and of its role label node-role.kubernetes.io/<name>.
	Name string `json:"name"`

	// MaxUnavailable nodes during an update of this pool. Default 1.
	// +optional
	MaxUnavailable *int32 `json:"maxUnavailable,omitempty"`
}

// Driver is the SupremeRAID driver.
type Driver struct {
	// Version of the SupremeRAID driver release, e.g. 1.7.2.
	// +kubebuilder:validation:Pattern=`^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$`
	Version string `json:"version"`

	// Installer is where the KMM build gets the graid-sr-installer .run file.
	Installer Installer `json:"installer"`

	// LicenseSecret names a Secret in spec.namespace with key `license`. Default <name>-license.
	// +optional
	LicenseSecret string `json:"licenseSecret,omitempty"`

	// KmodImage is the repository of the kernel module image KMM builds and pushes; the tag is
	// the kernel version.
	KmodImage string `json:"kmodImage"`

	// ImageRepoSecret names a pull/push secret for KmodImage.
	// +optional
	ImageRepoSecret string `json:"imageRepoSecret,omitempty"`

	// Sign signs the modules for Secure Boot.
	// +optional
	Sign *Sign `json:"sign,omitempty"`

	// ImageRepoSecretCoversBuild states that ImageRepoSecret holds a credential that may push to
	// KmodImage's registry. KMM hands the Module's imageRepoSecret to its build as the push
	// secret, in place of the builder service account's own token for OpenShift's internal
	// registry; a secret made only for pulling then fails the push. Set true when the secret
	// has push access (for the internal registry: a token of a service account with the
	// system:image-builder role in the image's project). Default false: imageRepoSecret with an
	// internal-registry kmodImage is refused.
	// +optional
	ImageRepoSecretCoversBuild bool `json:"imageRepoSecretCoversBuild,omitempty"`
}

// Installer locates the SupremeRAID installer. Exactly one of url and image is set.
type Installer struct {
	// URL of the graid-sr-installer-<version>-<model>-<build>.run file.
	// +optional
	URL string `json:"url,omitempty"`

	// Image holding the installer at Path, for disconnected clusters.
	// +optional
	Image string `json:"image,omitempty"`

	// Path of the installer inside Image.
	// +optional
	Path string `json:"path,omitempty"`

	// SHA256 of the installer file, 64 hex digits. Always checked before anything is extracted.
	// +kubebuilder:validation:Pattern=`^[0-9a-f]{64}$`
	SHA256 string `json:"sha256"`

	// CredentialsSecret names a Secret in spec.namespace that the KMM build mounts to download URL:
	// key `netrc` (curl's netrc format) and/or key `header` (one `Name: value` line). Keeps
	// tokens out of the URL, which build logs and the Module show.
	// +optional
	CredentialsSecret string `json:"credentialsSecret,omitempty"`
}

// Sign names the Secrets KMM uses to sign the modules.
type Sign struct {
	// KeySecret holds the private key (key `key`).
	KeySecret string `json:"keySecret"`
	// CertSecret holds the public certificate (key `cert`).
	CertSecret string `json:"certSecret"`

	// SchedulableWithTolerations states that KMM's sign step can run although the Module carries
	// spec.tolerations: KMM runs the sign step on the Module's selector (the SupremeRAID nodes),
	// and an OpenShift Build takes no tolerations, so with tainted SupremeRAID nodes it never
	// schedules. Set true only if some selected node is not tainted, or your KMM signs in pods
	// that carry the Module's tolerations. Default false: sign with tolerations is refused.
	// +optional
	SchedulableWithTolerations bool `json:"schedulableWithTolerations,omitempty"`
}

// NVIDIA configures the NVIDIA GPU Operator.
type NVIDIA struct {
	// ClusterPolicy emits a ClusterPolicy. Set false when the cluster already has one.
	// Default true.
	// +optional
	ClusterPolicy *bool `json:"clusterPolicy,omitempty"`

	// DriverVersion is the NVIDIA driver the GPU Operator installs; graid_nvidia is built
	// against exactly this version.
	// +kubebuilder:validation:Pattern=`^[0-9]{3,4}\.[0-9]{1,3}(\.[0-9]{1,3})?$`
	DriverVersion string `json:"driverVersion"`

	// DriverImage is the GPU Operator's NVIDIA driver image of DriverVersion; the KMM build copies
	// the NVIDIA kernel source (/drivers/NVIDIA-Linux-x86_64-<driverVersion>.run) from it. Pin it
	// by digest. A tag must start with DriverVersion. Default
	// nvcr.io/nvidia/driver:<driverVersion>-rhcos4.16 (any OS variant holds the same .run).
	// +optional
	DriverImage string `json:"driverImage,omitempty"`

	// KernelModuleType is the flavour of nvidia.ko the GPU Operator loads and graid_nvidia is
	// built against: proprietary or open. The two must match. Default proprietary.
	// +kubebuilder:validation:Enum=proprietary;open
	// +optional
	KernelModuleType NVIDIAKernelModuleType `json:"kernelModuleType,omitempty"`

	// OperatorVersion is the GPU Operator release the cluster runs (e.g. v24.9.2 or 25.3): it
	// selects the ClusterPolicy's shape. 24.9 has driver.useOpenKernelModules and no
	// driver.kernelModuleType, which strict apply would refuse; 25.3 and later ignore
	// useOpenKernelModules and need kernelModuleType. Releases before 24.9 are refused. Default
	// v25.3 (the shape of every later release).
	// +kubebuilder:validation:Pattern=`^v?[0-9]+\.[0-9]+(\.[0-9]+)?$`
	// +optional
	OperatorVersion string `json:"operatorVersion,omitempty"`

	// DevicePlugin says where the GPU Operator's device plugin runs. perNode (default): on
	// every GPU node except SupremeRAID nodes, which the NFD rule labels
	// nvidia.com/gpu.deploy.device-plugin=false; the operator validator then never becomes ready
	// on those nodes (NVIDIA/gpu-operator#2550). disabled: nowhere (ClusterPolicy
	// devicePlugin.enabled false), for clusters whose only NVIDIA GPUs are SupremeRAID cards.
	// +kubebuilder:validation:Enum=perNode;disabled
	// +optional
	DevicePlugin NVIDIADevicePlugin `json:"devicePlugin,omitempty"`
}

// NVIDIADevicePlugin is where the GPU Operator's device plugin runs.
type NVIDIADevicePlugin string

// Device plugin placements.
const (
	DevicePluginPerNode  NVIDIADevicePlugin = "perNode"
	DevicePluginDisabled NVIDIADevicePlugin = "disabled"
)

// NVIDIAKernelModuleType names a flavour of the NVIDIA kernel modules, as the GPU Operator's
// ClusterPolicy spec.driver.kernelModuleType does.
type NVIDIAKernelModuleType string

// NVIDIA kernel module flavours.
const (
	NVIDIAProprietary NVIDIAKernelModuleType = "proprietary"
	NVIDIAOpen        NVIDIAKernelModuleType = "open"
)

// Kernel holds kernel arguments and module settings.
type Kernel struct {
	// IOMMU is the iommu= kernel argument. Default pt; empty string leaves it out.
	// +kubebuilder:validation:Enum=pt;"off";""
	// +optional
	IOMMU *string `json:"iommu,omitempty"`

	// NVMeMultipath sets nvme_core.multipath=Y. Default true.
	// +optional
	NVMeMultipath *bool `json:"nvmeMultipath,omitempty"`

	// BlacklistNouveau writes a modprobe.d file blacklisting nouveau. Default true.
	// +optional
	BlacklistNouveau *bool `json:"blacklistNouveau,omitempty"`

	// ExtraArgs are further kernel arguments.
	// +optional
	ExtraArgs []string `json:"extraArgs,omitempty"`
}

// Node configures the node DaemonSet.
type Node struct {
	// Image is this project's image (supremeraid-fn). The in-cluster build of the node image copies
	// the node agent binary from it. Default: the release image.
	// +optional
	Image string `json:"image,omitempty"`

	// ImageRepository (no tag) receives the node image the in-cluster OpenShift build makes: graid
	// userspace from the installer, the node agent and the filesystem tools. The tag is a hash of
	// the build inputs. Default: the internal registry,
	// image-registry.openshift-image-registry.svc:5000/<spec.namespace>/<metadata.name>-node, with an
	// ImageStream; any other repository is pushed to and pulled from with spec.driver.imageRepoSecret.
	// +optional
	ImageRepository string `json:"imageRepository,omitempty"`

	// RuntimeClassName of the node pods, so graid_core gets libcuda of the node's NVIDIA driver.
	// Default nvidia (GPU Operator with CDI, its default since v25.10). Set "" when the GPU
	// Operator runs the container toolkit as an OCI hook (CDI disabled on CRI-O): there is no
	// nvidia runtime handler then, and the hook alone injects the driver.
	// +optional
	RuntimeClassName *string `json:"runtimeClassName,omitempty"`

	// TerminationGracePeriodSeconds leaves time to unmount cleanly. Default 120.
	// +kubebuilder:validation:Minimum=30
	// +kubebuilder:validation:Maximum=3600
	// +optional
	TerminationGracePeriodSeconds *int64 `json:"terminationGracePeriodSeconds,omitempty"`
}

// RAID is the SupremeRAID layout.
type RAID struct {
	// DriveGroups, at most 8.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=8
	DriveGroups []DriveGroup `json:"driveGroups"`
}

// RAIDLevel is a SupremeRAID RAID level.
// +kubebuilder:validation:Enum=raid0;raid1;raid5;raid6;raid10
type RAIDLevel string

// RAID levels SupremeRAID supports.
const (
	RAID0  RAIDLevel = "raid0"
	RAID1  RAIDLevel = "raid1"
	RAID5  RAIDLevel = "raid5"
	RAID6  RAIDLevel = "raid6"
	RAID10 RAIDLevel = "raid10"
)

// DriveGroup is one SupremeRAID drive group.
type DriveGroup struct {
	// RAIDLevel of the group.
	RAIDLevel RAIDLevel `json:"raidLevel"`

	// PhysicalDrives are NVMe namespaces (/dev/nvmeXnY or /dev/disk/by-id/...), at most 32.
	// +kubebuilder:validation:MinItems=2
	// +kubebuilder:validation:MaxItems=32
	PhysicalDrives []string `json:"physicalDrives"`

	// AllowInitialize lists drives of this group that may be made into physical drives even
	// though they hold a partition table or filesystem. Their data is lost.
	// +optional
	AllowInitialize []string `json:"allowInitialize,omitempty"`

	// VirtualDrives carved from the group, at most 1023.
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=1023
	VirtualDrives []VirtualDrive `json:"virtualDrives"`
}

// Filesystem for a virtual drive.
// +kubebuilder:validation:Enum=xfs;ext4
type Filesystem string

// Supported filesystems.
const (
	XFS  Filesystem = "xfs"
	Ext4 Filesystem = "ext4"
)

// VirtualDrive is one SupremeRAID virtual drive and where it is mounted on the node.
type VirtualDrive struct {
	// Size as a whole number of Gi, Ti or Pi (500Gi, 2Ti), or "100%" for the rest of the drive
	// group (last virtual drive of a group only). Default 100%.
	// +kubebuilder:validation:Pattern=`^([1-9][0-9]{0,5}(Gi|Ti|Pi)|100%)$`
	// +optional
	Size string `json:"size,omitempty"`

	// Filesystem made on the drive when it holds none. Default xfs.
	// +optional
	Filesystem Filesystem `json:"filesystem,omitempty"`

	// MountPath on the node, absolute and under /var (RHCOS keeps / read-only).
	MountPath string `json:"mountPath"`

	// MountOptions passed to mount -o.
	// +optional
	MountOptions []string `json:"mountOptions,omitempty"`
}

// Workloads configures the user pods that get the volume.
type Workloads struct {
	// PodLabel is the label (value "true") by which a pod opts in. Default supremeraid.dev/inject.
	// +optional
	PodLabel string `json:"podLabel,omitempty"`

	// ContainerPath where the volume appears in every container. Default /data.
	// +optional
	ContainerPath string `json:"containerPath,omitempty"`

	// MountPath of the virtual drive that serves workloads. Default: the first virtual drive's.
	// Each namespace gets its own sub-directory <mountPath>/<namespace>.
	// +optional
	MountPath string `json:"mountPath,omitempty"`

	// Namespaces whose pods may use the volume.
	// +optional
	Namespaces []TenantNamespace `json:"namespaces,omitempty"`

	// NamespaceCreators are the only identities allowed to create the tenant namespaces. A
	// ValidatingAdmissionPolicy refuses everyone else, so a deleted tenant namespace cannot be
	// re-created by a self-provisioner who would then inherit the tenant's directory. Default:
	// groups system:masters and system:cluster-admins, and the default OpenShift GitOps
	// application controller.
	// +optional
	NamespaceCreators *NamespaceCreators `json:"namespaceCreators,omitempty"`
}

// NamespaceCreators names users and groups as the API server authenticates them.
type NamespaceCreators struct {
	// Users, e.g. system:serviceaccount:openshift-gitops:openshift-gitops-argocd-application-controller.
	// +optional
	Users []string `json:"users,omitempty"`
	// Groups, e.g. system:cluster-admins.
	// +optional
	Groups []string `json:"groups,omitempty"`
}

// TenantNamespace is a namespace allowed to use the volume, with the IDs its pods run as.
type TenantNamespace struct {
	// Name of the namespace.
	Name string `json:"name"`
	// RunAsUser of opted-in pods and owner of the namespace's directory. At least 10000: lower
	// ids are host accounts on RHCOS (core is 1000).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=2147483647
	RunAsUser int64 `json:"runAsUser"`
	// RunAsGroup of opted-in pods and group of the namespace's directory. At least 10000: lower
	// ids are host groups on RHCOS (users is 100).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=2147483647
	RunAsGroup int64 `json:"runAsGroup"`
	// FSGroup of opted-in pods. Default runAsGroup.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=2147483647
	// +optional
	FSGroup *int64 `json:"fsGroup,omitempty"`
	// SELinuxLevel is the tenant's fixed SELinux MCS level, s0:cA,cB with 0 <= A < B <= 1023,
	// unique per tenant: the namespace's openshift.io/sa.scc.mcs and the level of its SCC, so
	// its pods run with these categories. Default: derived from the namespace name.
	// +kubebuilder:validation:Pattern=`^s0:c[0-9]{1,4},c[0-9]{1,4}$`
	// +optional
	SELinuxLevel string `json:"seLinuxLevel,omitempty"`
}

// FailurePolicy of the admission webhook.
// +kubebuilder:validation:Enum=Fail;Ignore
type FailurePolicy string

// Webhook failure policies.
const (
	FailurePolicyFail   FailurePolicy = "Fail"
	FailurePolicyIgnore FailurePolicy = "Ignore"
)

// InstallMethod says how the OPA chart is installed.
// +kubebuilder:validation:Enum=helm;argocd
type InstallMethod string

// Install methods.
const (
	InstallHelm   InstallMethod = "helm"
	InstallArgoCD InstallMethod = "argocd"
)

// OPA configures OPA kube-mgmt and the mutation policy.
type OPA struct {
	// Enabled emits the OPA policy, values and tenant objects. Default true.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// Namespace OPA runs in. Default opa.
	// +optional
	Namespace string `json:"namespace,omitempty"`

	// FailurePolicy of the webhook. Default Fail: no unpatched pod slips through.
	// +optional
	FailurePolicy FailurePolicy `json:"failurePolicy,omitempty"`

	// TimeoutSeconds of the webhook, 1 to 30. Default 5.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=30
	// +optional
	TimeoutSeconds *int32 `json:"timeoutSeconds,omitempty"`

	// Install is helm (values are printed by `supremeraid-fn opa-values`) or argocd (an Argo CD
	// Application for the chart is emitted). Default helm.
	// +optional
	Install InstallMethod `json:"install,omitempty"`

	// ArgoCD settings of the emitted Application when install is argocd.
	// +optional
	ArgoCD OPAArgoCD `json:"argocd,omitempty"`
}

// OPAArgoCD configures the Argo CD Application that installs the opa-kube-mgmt chart.
type OPAArgoCD struct {
	// Namespace of Argo CD. Default openshift-gitops.
	// +optional
	Namespace string `json:"namespace,omitempty"`
	// Project of the Application. Default default.
	// +optional
	Project string `json:"project,omitempty"`
	// RepoURL of the chart repository. Default the kube-mgmt chart repository.
	// +optional
	RepoURL string `json:"repoURL,omitempty"`
	// ChartVersion of opa-kube-mgmt. Default 11.0.7.
	// +optional
	ChartVersion string `json:"chartVersion,omitempty"`
}

// Monitoring configures the metrics Service, ServiceMonitor, PrometheusRule and console
// dashboard (docs/monitoring.md).
type Monitoring struct {
	// Enabled emits the monitoring objects and labels the namespace for platform monitoring.
	// Default true.
	// +optional
	Enabled *bool `json:"enabled,omitempty"`

	// Dashboard emits the console dashboard ConfigMap in openshift-config-managed. Default true.
	// +optional
	Dashboard *bool `json:"dashboard,omitempty"`

	// RunbookBaseURL is where docs/monitoring.md is published; each alert's runbook_url is this
	// URL plus the alert's section anchor. Default: docs/monitoring.md (the path in this
	// project), which an administrator can open but Alertmanager cannot link.
	// +optional
	RunbookBaseURL string `json:"runbookBaseURL,omitempty"`
}
