package node_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/node"
)

// generated runs the generator and returns the decoded DaemonSet (strictly decoded from the
// emitted YAML, so every check below is on what a cluster would receive) and the layout
// ConfigMap.
func generated(t *testing.T, cfg *config.SupremeRAID) (*appsv1.DaemonSet, *corev1.ConfigMap, *node.Image) {
	t.Helper()
	objs, err := node.Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ds, ok := objs[len(objs)-1].(*appsv1.DaemonSet)
	if !ok {
		t.Fatalf("last object is %T, want the DaemonSet", objs[len(objs)-1])
	}
	cm, ok := objs[0].(*corev1.ConfigMap)
	if !ok {
		t.Fatalf("first object is %T, want the layout ConfigMap", objs[0])
	}
	img, err := node.NodeImage(cfg)
	if err != nil {
		t.Fatal(err)
	}
	decoded := &appsv1.DaemonSet{}
	strictDecode(t, ds, decoded)
	return decoded, cm, img
}

func container(t *testing.T, spec corev1.PodSpec, name string) corev1.Container {
	t.Helper()
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no container %q", name)
	return corev1.Container{}
}

func volume(t *testing.T, spec corev1.PodSpec, name string) corev1.Volume {
	t.Helper()
	for _, v := range spec.Volumes {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no volume %q", name)
	return corev1.Volume{}
}

func TestDaemonSet(t *testing.T) {
	cases := map[string]struct {
		reason string
		edit   func(doc map[string]any)
		check  func(t *testing.T, ds *appsv1.DaemonSet, img *node.Image)
	}{
		"identity and scheduling": {
			reason: "name, SA, default node label, system-node-critical, no API token",
			check: func(t *testing.T, ds *appsv1.DaemonSet, _ *node.Image) {
				s := ds.Spec.Template.Spec
				if ds.Name != "graid-node" || ds.Namespace != "supremeraid" || s.ServiceAccountName != "graid-node" {
					t.Errorf("DaemonSet %s/%s with SA %q", ds.Namespace, ds.Name, s.ServiceAccountName)
				}
				wantSel := map[string]string{
					config.NodeLabel:                                 "true",
					"nvidia.com/cuda.driver-version.full":            "550.90.07",
					"kmm.node.kubernetes.io/supremeraid.graid.ready": "",
				}
				if !maps.Equal(s.NodeSelector, wantSel) {
					t.Errorf("nodeSelector %v, want %v (the SupremeRAID label, the NVIDIA gate and KMM's ready label)", s.NodeSelector, wantSel)
				}
				if s.PriorityClassName != "system-node-critical" {
					t.Errorf("priorityClassName %q", s.PriorityClassName)
				}
				if s.AutomountServiceAccountToken == nil || *s.AutomountServiceAccountToken {
					t.Error("the node pod never talks to the API server: no token")
				}
				sel, err := labelsSelector(ds)
				if err != nil || !sel.Matches(labels.Set(ds.Spec.Template.Labels)) {
					t.Errorf("selector %v must match the template labels %v (%v)", ds.Spec.Selector, ds.Spec.Template.Labels, err)
				}
			},
		},
		"node selector and tolerations from the config": {
			reason: "storage nodes chosen and tainted by the user",
			edit: func(doc map[string]any) {
				at(doc, "spec")["nodeSelector"] = map[string]any{"node-role.kubernetes.io/storage": ""}
				at(doc, "spec")["tolerations"] = []any{map[string]any{"key": "storage", "operator": "Exists", "effect": "NoSchedule"}}
			},
			check: func(t *testing.T, ds *appsv1.DaemonSet, _ *node.Image) {
				s := ds.Spec.Template.Spec
				if v, ok := s.NodeSelector["node-role.kubernetes.io/storage"]; !ok || v != "" || len(s.NodeSelector) != 3 || s.NodeSelector[config.NodeLabel] != "" {
					t.Errorf("nodeSelector %v", s.NodeSelector)
				}
				want := []corev1.Toleration{{Key: "storage", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
				if !slices.Equal(s.Tolerations, want) {
					t.Errorf("tolerations %v, want %v", s.Tolerations, want)
				}
			},
		},
		"never two nodes down": {
			reason: "rolling update one node at a time and no surge pod beside the running one",
			check: func(t *testing.T, ds *appsv1.DaemonSet, _ *node.Image) {
				u := ds.Spec.UpdateStrategy
				if u.Type != appsv1.RollingUpdateDaemonSetStrategyType || u.RollingUpdate == nil ||
					u.RollingUpdate.MaxUnavailable.String() != "1" || u.RollingUpdate.MaxSurge.String() != "0" {
					t.Errorf("updateStrategy %+v", u)
				}
			},
		},
		"grace period and unmount budget": {
			reason: "terminationGracePeriodSeconds from the config; the agent's unmount timeout fits inside it",
			edit:   func(doc map[string]any) { at(doc, "spec", "node")["terminationGracePeriodSeconds"] = 300 },
			check: func(t *testing.T, ds *appsv1.DaemonSet, _ *node.Image) {
				s := ds.Spec.Template.Spec
				if s.TerminationGracePeriodSeconds == nil || *s.TerminationGracePeriodSeconds != 300 {
					t.Errorf("terminationGracePeriodSeconds %v", s.TerminationGracePeriodSeconds)
				}
				args := strings.Join(container(t, s, node.AgentContainer).Command, " ")
				if !strings.Contains(args, "--unmount-timeout 40s") { // (300-60)/(2 mounts * 3)
					t.Errorf("agent command %q", args)
				}
			},
		},
		"host root with Bidirectional propagation only for the agent": {
			reason: "the agent's mounts under /host must reach the host and the tenant pods; nothing else sees the host's /",
			check: func(t *testing.T, ds *appsv1.DaemonSet, _ *node.Image) {
				s := ds.Spec.Template.Spec
				v := volume(t, s, "host-root")
				if v.HostPath == nil || v.HostPath.Path != "/" {
					t.Errorf("host-root volume %+v", v)
				}
				for _, c := range append(slices.Clone(s.InitContainers), s.Containers...) {
					for _, m := range c.VolumeMounts {
						bidi := m.MountPropagation != nil && *m.MountPropagation == corev1.MountPropagationBidirectional
						switch {
						case m.Name == "host-root" && (c.Name != node.AgentContainer || m.MountPath != "/host" || !bidi):
							t.Errorf("%s mounts host-root at %s (propagation %v)", c.Name, m.MountPath, m.MountPropagation)
						case m.Name != "host-root" && bidi:
							t.Errorf("%s: only /host may be Bidirectional, not %s", c.Name, m.MountPath)
						}
					}
				}
				for _, hp := range []string{"dev", "sys"} {
					if v := volume(t, s, hp); v.HostPath == nil || v.HostPath.Path != "/"+hp {
						t.Errorf("%s volume %+v", hp, v)
					}
				}
			},
		},
		"privilege only where needed": {
			reason: "graid_server and the agent are privileged; the module wait runs as nobody with nothing",
			check: func(t *testing.T, ds *appsv1.DaemonSet, _ *node.Image) {
				s := ds.Spec.Template.Spec
				for _, c := range append(slices.Clone(s.InitContainers), s.Containers...) {
					priv := c.SecurityContext != nil && c.SecurityContext.Privileged != nil && *c.SecurityContext.Privileged
					if want := c.Name != node.WaitModulesContainer; priv != want {
						t.Errorf("%s privileged=%v, want %v", c.Name, priv, want)
					}
				}
				w := container(t, s, node.WaitModulesContainer).SecurityContext
				if w == nil || w.RunAsNonRoot == nil || !*w.RunAsNonRoot || w.AllowPrivilegeEscalation == nil || *w.AllowPrivilegeEscalation ||
					w.Capabilities == nil || !slices.Equal(w.Capabilities.Drop, []corev1.Capability{"ALL"}) {
					t.Errorf("wait-modules must run unprivileged: %+v", w)
				}
				// Its one mount is KMM's firmware directory, read-only, where the kmod image's
				// build record sits while the modules are loaded; no other host path.
				wantMounts := []corev1.VolumeMount{{Name: "kmm-firmware", MountPath: "/host-firmware", ReadOnly: true}}
				if diff := cmp.Diff(wantMounts, container(t, s, node.WaitModulesContainer).VolumeMounts); diff != "" {
					t.Errorf("wait-modules mounts (-want +got):\n%s", diff)
				}
				fw := volume(t, s, "kmm-firmware")
				if fw.HostPath == nil || fw.HostPath.Path != node.KMMFirmwareHostPath || fw.HostPath.Type == nil || *fw.HostPath.Type != corev1.HostPathDirectory {
					t.Errorf("kmm-firmware volume %+v, want hostPath %s of type Directory (nothing created on the host)", fw.VolumeSource, node.KMMFirmwareHostPath)
				}
				if got := envValue(container(t, s, node.WaitModulesContainer), "RECORD_FILE"); got != "/host-firmware/supremeraid/BUILD-INFO" {
					t.Errorf("RECORD_FILE = %q, want the record under the mount", got)
				}
				if s.HostNetwork || s.HostPID || s.HostIPC {
					t.Error("no host namespaces are needed")
				}
			},
		},
		"container order: wait, then the agent that supervises graid": {
			reason: "graid starts after the modules are loaded, as the agent's child, which stops it last",
			check: func(t *testing.T, ds *appsv1.DaemonSet, _ *node.Image) {
				s := ds.Spec.Template.Spec
				if len(s.InitContainers) != 1 || s.InitContainers[0].Name != node.WaitModulesContainer {
					t.Fatalf("init containers %v", names(s.InitContainers))
				}
				if s.InitContainers[0].RestartPolicy != nil {
					t.Error("wait-modules must be a plain init container that finishes")
				}
				if len(s.Containers) != 1 || s.Containers[0].Name != node.AgentContainer {
					t.Errorf("containers %v", names(s.Containers))
				}
				args := strings.Join(s.Containers[0].Command, " ")
				if !strings.Contains(args, "--graid-server /usr/local/bin/graid_server --graid-pre /usr/local/bin/graid_server_pre.sh --graid-stop-timeout 60s") {
					t.Errorf("the agent must supervise graid_server with graid.service's 60 s stop timeout: %q", args)
				}
			},
		},
		"agent command and probes": {
			reason: "the agent is PID 1 (SIGTERM unmounts), readiness is /readyz (every mount mounted), liveness /healthz",
			check: func(t *testing.T, ds *appsv1.DaemonSet, _ *node.Image) {
				a := container(t, ds.Spec.Template.Spec, node.AgentContainer)
				want := []string{"/usr/local/bin/supremeraid-fn", "node", "--layout", "/etc/supremeraid/layout.json", "--host-root", "/host",
					"--graidctl", "/usr/local/bin/graidctl", "--listen", ":8095", "--unmount-timeout", "10s",
					"--graid-server", "/usr/local/bin/graid_server", "--graid-pre", "/usr/local/bin/graid_server_pre.sh", "--graid-stop-timeout", "60s"}
				if !slices.Equal(a.Command, want) || len(a.Args) != 0 {
					t.Errorf("agent command %q args %q, want %q", a.Command, a.Args, want)
				}
				if a.ReadinessProbe == nil || a.ReadinessProbe.HTTPGet == nil || a.ReadinessProbe.HTTPGet.Path != "/readyz" || a.ReadinessProbe.HTTPGet.Port.String() != "probes" {
					t.Errorf("readiness probe %+v", a.ReadinessProbe)
				}
				if a.LivenessProbe == nil || a.LivenessProbe.HTTPGet == nil || a.LivenessProbe.HTTPGet.Path != "/healthz" {
					t.Errorf("liveness probe %+v", a.LivenessProbe)
				}
				if len(a.Ports) != 1 || a.Ports[0].Name != "probes" || a.Ports[0].ContainerPort != node.AgentPort {
					t.Errorf("ports %+v", a.Ports)
				}
			},
		},
		"license as a file in the agent only": {
			reason: "the key comes from the Secret's key license, mounted read-only in the agent; never an env var",
			edit:   func(doc map[string]any) { at(doc, "spec", "driver")["licenseSecret"] = "site-license" },
			check: func(t *testing.T, ds *appsv1.DaemonSet, _ *node.Image) {
				s := ds.Spec.Template.Spec
				v := volume(t, s, "license")
				if v.Secret == nil || v.Secret.SecretName != "site-license" || len(v.Secret.Items) != 1 ||
					v.Secret.Items[0].Key != "license" || v.Secret.Items[0].Path != "license" || v.Secret.DefaultMode == nil || *v.Secret.DefaultMode != 0o400 {
					t.Errorf("license volume %+v", v.Secret)
				}
				for _, c := range append(slices.Clone(s.InitContainers), s.Containers...) {
					for _, m := range c.VolumeMounts {
						if m.Name == "license" && (c.Name != node.AgentContainer || m.MountPath+"/license" != node.LicenseFile || !m.ReadOnly) {
							t.Errorf("%s mounts the license at %s", c.Name, m.MountPath)
						}
					}
					for _, e := range c.Env {
						if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
							t.Errorf("%s takes %s from a Secret as env", c.Name, e.Name)
						}
					}
					if len(c.EnvFrom) > 0 {
						t.Errorf("%s has envFrom", c.Name)
					}
				}
			},
		},
		"layout mounted as the file the agent reads": {
			reason: "the layout ConfigMap's key at --layout, read-only",
			check: func(t *testing.T, ds *appsv1.DaemonSet, _ *node.Image) {
				s := ds.Spec.Template.Spec
				if v := volume(t, s, "layout"); v.ConfigMap == nil || v.ConfigMap.Name != "graid-node-layout" {
					t.Errorf("layout volume %+v", v)
				}
				a := container(t, s, node.AgentContainer)
				i := slices.IndexFunc(a.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == "layout" })
				if i < 0 || a.VolumeMounts[i].MountPath != node.LayoutPath || a.VolumeMounts[i].SubPath != node.LayoutKey || !a.VolumeMounts[i].ReadOnly {
					t.Errorf("agent mounts %+v", a.VolumeMounts)
				}
			},
		},
		"NVIDIA runtime for graid_core": {
			reason: "RuntimeClass nvidia by default and the variables the NVIDIA runtime and hook read, on the container that runs graid only",
			check: func(t *testing.T, ds *appsv1.DaemonSet, _ *node.Image) {
				s := ds.Spec.Template.Spec
				if s.RuntimeClassName == nil || *s.RuntimeClassName != "nvidia" {
					t.Errorf("runtimeClassName %v", s.RuntimeClassName)
				}
				for _, c := range append(slices.Clone(s.InitContainers), s.Containers...) {
					has := slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "NVIDIA_VISIBLE_DEVICES" && e.Value == "all" })
					if has != (c.Name == node.AgentContainer) {
						t.Errorf("%s: NVIDIA_VISIBLE_DEVICES=all present=%v", c.Name, has)
					}
				}
			},
		},
		"OCI hook clusters: no runtime class": {
			reason: `runtimeClassName "" leaves it out (GPU Operator without CDI on CRI-O has no nvidia handler)`,
			edit:   func(doc map[string]any) { at(doc, "spec", "node")["runtimeClassName"] = "" },
			check: func(t *testing.T, ds *appsv1.DaemonSet, _ *node.Image) {
				if rc := ds.Spec.Template.Spec.RuntimeClassName; rc != nil {
					t.Errorf("runtimeClassName %q, want none", *rc)
				}
			},
		},
		"image from the internal registry": {
			reason: "every container runs the built node image; the internal registry needs no pull secret",
			check: func(t *testing.T, ds *appsv1.DaemonSet, img *node.Image) {
				s := ds.Spec.Template.Spec
				if !strings.HasPrefix(img.Ref, "image-registry.openshift-image-registry.svc:5000/supremeraid/graid-node:1.7.2-") {
					t.Errorf("image %q", img.Ref)
				}
				for _, c := range append(slices.Clone(s.InitContainers), s.Containers...) {
					if c.Image != img.Ref || c.ImagePullPolicy != corev1.PullIfNotPresent {
						t.Errorf("%s runs %q (%s), want %q", c.Name, c.Image, c.ImagePullPolicy, img.Ref)
					}
				}
				if len(s.ImagePullSecrets) != 0 {
					t.Errorf("imagePullSecrets %v", s.ImagePullSecrets)
				}
			},
		},
		"image from an external registry": {
			reason: "the image repo secret pulls what the build pushed there",
			edit: func(doc map[string]any) {
				at(doc, "spec", "node")["imageRepository"] = "registry.example.com/graid/node"
				at(doc, "spec", "driver")["imageRepoSecret"] = "registry-push"
				at(doc, "spec", "driver")["imageRepoSecretCoversBuild"] = true // the secret must also push the internal-registry kmod image
			},
			check: func(t *testing.T, ds *appsv1.DaemonSet, img *node.Image) {
				s := ds.Spec.Template.Spec
				if !strings.HasPrefix(img.Ref, "registry.example.com/graid/node:1.7.2-") || s.Containers[0].Image != img.Ref {
					t.Errorf("image %q, agent runs %q", img.Ref, s.Containers[0].Image)
				}
				if len(s.ImagePullSecrets) != 1 || s.ImagePullSecrets[0].Name != "registry-push" {
					t.Errorf("imagePullSecrets %v", s.ImagePullSecrets)
				}
			},
		},
		"sync wave": {
			reason: "with sync waves, the DaemonSet comes after the Module (operands wave)",
			edit:   func(doc map[string]any) { at(doc, "spec")["argocd"] = map[string]any{"syncWaves": true} },
			check: func(t *testing.T, ds *appsv1.DaemonSet, _ *node.Image) {
				if w := ds.Annotations["argocd.argoproj.io/sync-wave"]; w != "2" {
					t.Errorf("sync wave %q, want 2", w)
				}
			},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ds, _, img := generated(t, loadConfig(t, tc.edit))
			t.Log(tc.reason)
			tc.check(t, ds, img)
		})
	}
}

// TestLayoutHashAnnotation: the pod template carries the layout's hash, which changes exactly
// when the layout does, so a layout change rolls the DaemonSet and nothing else does.
func TestLayoutHashAnnotation(t *testing.T) {
	baseDS, baseCM, _ := generated(t, loadConfig(t, nil))
	baseHash := baseDS.Spec.Template.Annotations[node.LayoutHashAnnotation]
	if baseHash != node.DataHash(baseCM.Data) {
		t.Fatalf("annotation %q is not the hash of the layout ConfigMap's data %q", baseHash, node.DataHash(baseCM.Data))
	}
	cases := map[string]struct {
		reason  string
		edit    func(doc map[string]any)
		changes bool
	}{
		"same config": {"a second run on the same config keeps the hash", nil, false},
		"mount option": {"a mount option is part of the layout", func(doc map[string]any) {
			at(doc, "spec", "raid", "driveGroups", 0, "virtualDrives", 1)["mountOptions"] = []any{"noatime", "nodev"}
		}, true},
		"tenant added": {"tenant directories are part of the layout", func(doc map[string]any) {
			ns := at(doc, "spec", "workloads")["namespaces"].([]any)
			at(doc, "spec", "workloads")["namespaces"] = append(ns, map[string]any{"name": "project3", "runAsUser": 10002, "runAsGroup": 10000})
		}, true},
		"allowInitialize": {"permission to initialise a drive is part of the layout", func(doc map[string]any) {
			delete(at(doc, "spec", "raid", "driveGroups", 0), "allowInitialize")
		}, true},
		"tolerations": {"scheduling is not the layout", func(doc map[string]any) {
			at(doc, "spec")["tolerations"] = []any{map[string]any{"operator": "Exists"}}
		}, false},
		"grace period": {"the grace period is not the layout", func(doc map[string]any) {
			at(doc, "spec", "node")["terminationGracePeriodSeconds"] = 600
		}, false},
		"fsGroup": {"fsGroup is applied by admission to pods, not by the agent to directories", func(doc map[string]any) {
			at(doc, "spec", "workloads", "namespaces", 0)["fsGroup"] = 30000
		}, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			ds, cm, _ := generated(t, loadConfig(t, tc.edit))
			got := ds.Spec.Template.Annotations[node.LayoutHashAnnotation]
			if got != node.DataHash(cm.Data) {
				t.Errorf("%s\nannotation is not the hash of this layout", tc.reason)
			}
			if (got != baseHash) != tc.changes {
				t.Errorf("%s\nhash changed=%v, want %v", tc.reason, got != baseHash, tc.changes)
			}
		})
	}
}

func TestUnmountTimeout(t *testing.T) {
	cases := []struct {
		reason string
		grace  int
		vds    int
		want   int64
	}{
		{"default 120 s, one mount: a third of what graid's 60 s stop leaves", 120, 1, 20},
		{"the budget is shared by the mounts", 120, 3, 6},
		{"the minimum grace period still gets a one-second try before the lazy fallback", 30, 1, 1},
		{"the maximum grace period", 3600, 1, 1180},
	}
	for _, tc := range cases {
		cfg := loadConfig(t, func(doc map[string]any) {
			at(doc, "spec", "node")["terminationGracePeriodSeconds"] = tc.grace
			vds := []any{}
			for i := range tc.vds {
				size := "1Ti"
				if i == tc.vds-1 {
					size = "100%"
				}
				vds = append(vds, map[string]any{"size": size, "mountPath": "/var/mnt/supremeraid/vd" + string(rune('0'+i))})
			}
			at(doc, "spec", "raid", "driveGroups", 0)["virtualDrives"] = vds
			delete(at(doc, "spec"), "workloads")
		})
		if got := node.UnmountTimeout(cfg); got != tc.want {
			t.Errorf("%s: UnmountTimeout(grace %d, %d mounts) = %d, want %d", tc.reason, tc.grace, tc.vds, got, tc.want)
		}
	}
}

func names(cs []corev1.Container) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Name)
	}
	return out
}

func labelsSelector(ds *appsv1.DaemonSet) (labels.Selector, error) {
	return labels.ValidatedSelectorFromSet(ds.Spec.Selector.MatchLabels)
}
