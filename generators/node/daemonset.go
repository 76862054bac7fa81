package node

import (
	_ "embed"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/meta"
	"supremeraid.dev/supremeraid-fn/kmod"
)

//go:embed wait-modules.sh
var waitModulesScript string

// Container names.
const (
	WaitModulesContainer = "wait-modules"
	AgentContainer       = "agent"
)

const (
	// SystemNodeCritical keeps the pod from being preempted or evicted before ordinary pods:
	// workloads on the node depend on its mounts.
	SystemNodeCritical = "system-node-critical"
	// ModuleWaitSeconds bounds the wait for the kernel modules (a first KMM build can take
	// minutes); then the init container fails and the pod restarts with back-off.
	ModuleWaitSeconds = 600
	// graidStopReserve is the part of the grace period left for graid_server to stop after the
	// agent has unmounted: graid.service's TimeoutStopSec=60s.
	graidStopReserve = 60
	// GraidLogDir is graid's log directory, kept on the host across pod restarts.
	GraidLogDir    = "/var/log/graid"
	probePortName  = "probes"
	nobody         = int64(65534)
	volHostRoot    = "host-root"
	volDev         = "dev"
	volSys         = "sys"
	volGraidLog    = "graid-log"
	volLayout      = "layout"
	volLicense     = "license"
	volFirmware    = "kmm-firmware"
	readOnlyMode   = int32(0o444)
	secretFileMode = int32(0o400)
)

// UnmountTimeout is the agent's per-mount budget, spent twice at most: once on the unmount and
// once waiting until the virtual drive opens O_EXCL (no tenant mount namespace holds it any
// more). On SIGTERM the agent finishes the command it is in (starting no new step), then
// unmounts each mount in turn; graid_server stops only after that. Of the grace period that
// remains after graidStopReserve, a third goes to the command in flight and two thirds to the
// mounts; at least one second.
func UnmountTimeout(cfg *config.SupremeRAID) int64 {
	mounts := int64(0)
	for _, dg := range cfg.Spec.RAID.DriveGroups {
		mounts += int64(len(dg.VirtualDrives))
	}
	grace := *cfg.Spec.Node.TerminationGracePeriodSeconds
	if mounts == 0 || grace <= graidStopReserve {
		return 1
	}
	return max(1, (grace-graidStopReserve)/(3*mounts))
}

// AgentArgs is the agent's command line.
func AgentArgs(cfg *config.SupremeRAID) []string {
	return []string{
		AgentPath, "node",
		"--layout", LayoutPath,
		"--host-root", HostRoot,
		"--graidctl", GraidctlPath,
		"--listen", ":" + strconv.Itoa(AgentPort),
		"--unmount-timeout", strconv.FormatInt(UnmountTimeout(cfg), 10) + "s",
		// graid_server is the agent's child: one process tree and filesystem for graid's
		// socket, pid and lock files, and the agent stops it last, never while a virtual
		// drive is claimed.
		"--graid-server", GraidServerPath,
		"--graid-pre", GraidPrePath,
		"--graid-stop-timeout", strconv.Itoa(graidStopReserve) + "s",
	}
}

// DaemonSet runs one node pod on every SupremeRAID node. layoutCM is the layout ConfigMap, whose
// data hash goes on the pod template; image is the node image's pull spec.
func DaemonSet(cfg *config.SupremeRAID, layoutCM *corev1.ConfigMap, image string) (*appsv1.DaemonSet, error) {
	s := &cfg.Spec
	if s.Node.TerminationGracePeriodSeconds == nil {
		return nil, fmt.Errorf("node: spec.node.terminationGracePeriodSeconds is not set (the config was not defaulted)")
	}
	selector := map[string]string{meta.LabelPartOf: cfg.Name, meta.LabelComponent: Component}
	podMeta := metav1.ObjectMeta{
		Labels: meta.Labels(cfg, Component),
		Annotations: map[string]string{
			LayoutHashAnnotation: DataHash(layoutCM.Data),
			// `oc logs` and `oc exec` without -c pick the agent.
			"kubectl.kubernetes.io/default-container": AgentContainer,
		},
	}
	spec := corev1.PodSpec{
		ServiceAccountName: meta.NodeServiceAccount(cfg),
		// Neither the agent nor graid talks to the API server.
		AutomountServiceAccountToken:  ptr.To(false),
		EnableServiceLinks:            ptr.To(false),
		PriorityClassName:             SystemNodeCritical,
		NodeSelector:                  NodeSelector(cfg),
		Tolerations:                   append([]corev1.Toleration(nil), s.Tolerations...),
		TerminationGracePeriodSeconds: ptr.To(*s.Node.TerminationGracePeriodSeconds),
		InitContainers:                []corev1.Container{waitModules(cfg, image)},
		Containers:                    []corev1.Container{agentContainer(cfg, image)},
		Volumes:                       volumes(cfg),
	}
	if rc := s.Node.RuntimeClassName; rc != nil && *rc != "" {
		spec.RuntimeClassName = ptr.To(*rc)
	}
	if sec := s.Driver.ImageRepoSecret; sec != "" && imageStreamName(cfg) == "" {
		spec.ImagePullSecrets = []corev1.LocalObjectReference{{Name: sec}}
	}
	return &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: meta.Object(cfg, DaemonSetName(cfg), s.Namespace, Component, meta.WaveWorkloads),
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: selector},
			// One node at a time, and never a second pod on a node whose first one still holds
			// the devices: the new pod starts only after the old one has unmounted and stopped.
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{
				Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{
					MaxUnavailable: ptr.To(intstr.FromInt32(1)),
					MaxSurge:       ptr.To(intstr.FromInt32(0)),
				},
			},
			Template: corev1.PodTemplateSpec{ObjectMeta: podMeta, Spec: spec},
		},
	}, nil
}

// KMMFirmwareHostPath is where KMM's worker copies the Module's firmwarePath on the node: the KMM
// operator's worker.firmwareHostPath, /var/lib/firmware unless the cluster changed it.
const KMMFirmwareHostPath = "/var/lib/firmware"

// firmwareMountPath is where wait-modules sees KMMFirmwareHostPath (read-only). The parent is
// mounted, not the record's subdirectory: KMM removes that directory on unload and recreates it
// on load, and a bind mount of a removed directory would never show the new record.
const firmwareMountPath = "/host-firmware"

// RecordPath is the kmod image's build record as wait-modules reads it.
var RecordPath = firmwareMountPath + "/" + kmod.RecordSubdir + "/" + kmod.RecordFile

// waitModules needs no privilege: /sys/module is the host kernel's in every container, and the
// build record comes through a read-only mount of KMM's firmware directory (nothing else of the
// host).
func waitModules(cfg *config.SupremeRAID, image string) corev1.Container {
	return corev1.Container{
		Name:            WaitModulesContainer,
		Image:           image,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Command:         []string{"/bin/sh", "-c", waitModulesScript, WaitModulesContainer},
		Env: []corev1.EnvVar{
			{Name: "MODULE_WAIT_SECONDS", Value: strconv.Itoa(ModuleWaitSeconds)},
			{Name: "KMM_NAMESPACE", Value: cfg.Spec.Namespace},
			{Name: "RECORD_FILE", Value: RecordPath},
		},
		VolumeMounts: []corev1.VolumeMount{{Name: volFirmware, MountPath: firmwareMountPath, ReadOnly: true}},
		Resources:    requests("10m", "16Mi"),
		SecurityContext: &corev1.SecurityContext{
			RunAsNonRoot:             ptr.To(true),
			RunAsUser:                ptr.To(nobody),
			AllowPrivilegeEscalation: ptr.To(false),
			ReadOnlyRootFilesystem:   ptr.To(true),
			Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
			SeccompProfile:           &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
}

// agentContainer runs supremeraid-fn node, which supervises graid_server. The agent is PID 1 (no
// shell), so SIGTERM reaches it: it unmounts, proves each virtual drive released, then stops
// graid_server (60 s, graid.service's TimeoutStopSec) and exits. No liveness probe restarts it
// for graid's sake: restarting a storage server under load would do more harm than a hung one.
func agentContainer(cfg *config.SupremeRAID, image string) corev1.Container {
	port := intstr.FromString(probePortName)
	return corev1.Container{
		Name:            AgentContainer,
		Image:           image,
		ImagePullPolicy: corev1.PullIfNotPresent,
		Command:         AgentArgs(cfg),
		Ports:           []corev1.ContainerPort{{Name: probePortName, ContainerPort: AgentPort, Protocol: corev1.ProtocolTCP}},
		// Ready only while every configured virtual drive is mounted and every tenant
		// directory exists.
		ReadinessProbe: &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: port}},
			PeriodSeconds:    10,
			TimeoutSeconds:   3,
			FailureThreshold: 1,
			SuccessThreshold: 1,
		},
		// /healthz answers while the process runs; a restart would unmount, so be patient.
		LivenessProbe: &corev1.Probe{
			ProbeHandler:     corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz", Port: port}},
			PeriodSeconds:    20,
			TimeoutSeconds:   5,
			FailureThreshold: 6,
			SuccessThreshold: 1,
		},
		Env: []corev1.EnvVar{
			// The NVIDIA runtime (or the toolkit's OCI hook) injects the node driver's libcuda
			// and device nodes for graid_core. The device plugin is off on these nodes, so
			// nothing is allocated: graid_core uses the SupremeRAID GPU directly.
			{Name: "NVIDIA_VISIBLE_DEVICES", Value: "all"},
			{Name: "NVIDIA_DRIVER_CAPABILITIES", Value: "compute,utility"},
		},
		// The agent's own needs plus graid_server's.
		Resources: requests("120m", "320Mi"),
		// mount(2), Bidirectional propagation (which Kubernetes allows only in privileged
		// containers), blkid and mkfs on block devices, chown of tenant directories; graid_server
		// drives the GPU and the NVMe SSDs through the graid modules' device nodes.
		SecurityContext: &corev1.SecurityContext{Privileged: ptr.To(true)},
		VolumeMounts: []corev1.VolumeMount{
			{Name: volHostRoot, MountPath: HostRoot, MountPropagation: ptr.To(corev1.MountPropagationBidirectional)},
			{Name: volDev, MountPath: "/dev"},
			{Name: volSys, MountPath: "/sys"},
			// subPath: the pod sees the layout it was started with; a change rolls the pod
			// through the hash annotation instead of editing a running agent's input.
			{Name: volLayout, MountPath: LayoutPath, SubPath: LayoutKey, ReadOnly: true},
			{Name: volLicense, MountPath: LicenseDir, ReadOnly: true},
			{Name: volGraidLog, MountPath: GraidLogDir},
		},
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
}

func volumes(cfg *config.SupremeRAID) []corev1.Volume {
	hostPath := func(name, path string, t corev1.HostPathType) corev1.Volume {
		return corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path, Type: ptr.To(t)}}}
	}
	return []corev1.Volume{
		hostPath(volHostRoot, "/", corev1.HostPathDirectory),
		hostPath(volDev, "/dev", corev1.HostPathDirectory),
		hostPath(volSys, "/sys", corev1.HostPathDirectory),
		hostPath(volGraidLog, GraidLogDir, corev1.HostPathDirectoryOrCreate),
		// Directory, not DirectoryOrCreate: nothing is created on the host; KMM's worker made it
		// before the node was labelled ready, and until it exists the kubelet retries the mount.
		hostPath(volFirmware, KMMFirmwareHostPath, corev1.HostPathDirectory),
		{Name: volLayout, VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
			LocalObjectReference: corev1.LocalObjectReference{Name: LayoutConfigMapName(cfg)},
			Items:                []corev1.KeyToPath{{Key: LayoutKey, Path: LayoutKey}},
			DefaultMode:          ptr.To(readOnlyMode),
		}}},
		// The license stays in its Secret: mounted as a file readable by root only, in the
		// agent container only.
		{Name: volLicense, VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName:  cfg.Spec.Driver.LicenseSecret,
			Items:       []corev1.KeyToPath{{Key: LicenseKey, Path: LicenseKey}},
			DefaultMode: ptr.To(secretFileMode),
		}}},
	}
}

// requests sets requests only: no limits, so the storage path is never throttled or OOM-killed
// by its own pod's limits.
func requests(cpu, memory string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(cpu),
		corev1.ResourceMemory: resource.MustParse(memory),
	}}
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// NodeSelector is where the node pods run: meta.VolumeNodeSelector, the Module's nodes once KMM
// has loaded graid there. It returns a new map on every call.
func NodeSelector(cfg *config.SupremeRAID) map[string]string { return meta.VolumeNodeSelector(cfg) }
