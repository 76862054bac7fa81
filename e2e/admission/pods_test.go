package admission

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// newPod is a minimal pod (one container) with labels, changed by opts.
func newPod(namespace, name string, labels map[string]string, opts ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: labels},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "app", Image: image}},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// optIn is the opt-in label plus an unrelated one.
func optIn() map[string]string {
	return map[string]string{podLabel: "true", "app": "web"}
}

// withHostPath adds a hostPath volume (not mounted: the API server does not
// care, and the hostPath policy looks at volumes).
func withHostPath(name, path string, typ corev1.HostPathType) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		t := typ
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{
			Name:         name,
			VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: path, Type: &t}},
		})
	}
}

// withEverything gives the pod an init container, a second container whose
// securityContext carries a UID as OpenShift's SCC admission writes one
// from the namespace's range, an emptyDir mounted in the first container,
// a pod securityContext with a seccomp profile and a nodeSelector entry of
// its own, both of which must survive.
func withEverything(p *corev1.Pod) {
	sccUID := int64(1000680000)
	p.Spec.InitContainers = []corev1.Container{{Name: "init", Image: image}}
	p.Spec.Containers = []corev1.Container{
		{Name: "app", Image: image, VolumeMounts: []corev1.VolumeMount{{Name: "cache", MountPath: "/cache"}}},
		{Name: "sidecar", Image: image, SecurityContext: &corev1.SecurityContext{RunAsUser: &sccUID}},
	}
	p.Spec.Volumes = []corev1.Volume{{Name: "cache", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
	p.Spec.SecurityContext = &corev1.PodSecurityContext{
		SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
	}
	p.Spec.NodeSelector = map[string]string{"kubernetes.io/arch": "amd64"}
}

func findVolume(p *corev1.Pod, name string) *corev1.Volume {
	if p == nil {
		return nil
	}
	for i := range p.Spec.Volumes {
		if p.Spec.Volumes[i].Name == name {
			return &p.Spec.Volumes[i]
		}
	}
	return nil
}

// allContainers lists init containers then containers, with a label each.
func allContainers(p *corev1.Pod) ([]string, []corev1.Container) {
	var names []string
	var cs []corev1.Container
	for _, c := range p.Spec.InitContainers {
		names, cs = append(names, "initContainer "+c.Name), append(cs, c)
	}
	for _, c := range p.Spec.Containers {
		names, cs = append(names, "container "+c.Name), append(cs, c)
	}
	return names, cs
}
