package admission

import (
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// These run without a cluster: they show that the comparisons the admission
// subtests rely on report what they must, so a pass there means something.

func TestSpecChanges(t *testing.T) {
	base := func() *corev1.Pod {
		p := newPod("ns", "p", map[string]string{"app": "web"}, withEverything)
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "kube-api-access-abcde"})
		p.Spec.Containers[0].VolumeMounts = append(p.Spec.Containers[0].VolumeMounts,
			corev1.VolumeMount{Name: "kube-api-access-abcde", MountPath: "/var/run/secrets/kubernetes.io/serviceaccount"})
		return p
	}
	uid := int64(5)
	tests := []struct {
		name   string
		reason string
		change func(*corev1.Pod)
		want   []string
	}{
		{
			name:   "identical",
			reason: "nothing changed, nothing reported",
			change: func(*corev1.Pod) {},
		},
		{
			name:   "token volume suffix",
			reason: "the ServiceAccount plugin's random suffix differs between requests and is not a change",
			change: func(p *corev1.Pod) {
				p.Spec.Volumes[1].Name = "kube-api-access-zzzzz"
				p.Spec.Containers[0].VolumeMounts[1].Name = "kube-api-access-zzzzz"
			},
		},
		{
			name:   "volume appended",
			reason: "an added volume is one '+', keyed by name",
			change: func(p *corev1.Pod) {
				p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "supremeraid"})
			},
			want: []string{"+spec.volumes[name=supremeraid]"},
		},
		{
			name:   "volume inserted first",
			reason: "position does not matter, only the key",
			change: func(p *corev1.Pod) {
				p.Spec.Volumes = append([]corev1.Volume{{Name: "supremeraid"}}, p.Spec.Volumes...)
			},
			want: []string{"+spec.volumes[name=supremeraid]"},
		},
		{
			name:   "mount and ids",
			reason: "mounts keyed by mountPath; container fields by container name",
			change: func(p *corev1.Pod) {
				p.Spec.Containers[1].VolumeMounts = []corev1.VolumeMount{{Name: "supremeraid", MountPath: "/data"}}
				p.Spec.Containers[1].SecurityContext.RunAsUser = &uid
				p.Spec.SecurityContext.FSGroup = &uid
			},
			want: []string{
				"+spec.containers[name=sidecar].volumeMounts",
				"~spec.containers[name=sidecar].securityContext.runAsUser",
				"+spec.securityContext.fsGroup",
			},
		},
		{
			name:   "node selector entry",
			reason: "label keys with dots and slashes are bracketed",
			change: func(p *corev1.Pod) { p.Spec.NodeSelector["feature.node.kubernetes.io/x"] = "true" },
			want:   []string{"+spec.nodeSelector[feature.node.kubernetes.io/x]"},
		},
		{
			name:   "removed and relabelled",
			reason: "removals and metadata changes are reported too",
			change: func(p *corev1.Pod) {
				p.Spec.InitContainers = nil
				p.Labels["app"] = "db"
			},
			want: []string{"~labels.app", "-spec.initContainers"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, b := base(), base()
			tc.change(b)
			got, err := specChanges(a, b)
			if err != nil {
				t.Fatal(err)
			}
			var paths []string
			for _, c := range got {
				paths = append(paths, string(c.Op)+c.Path)
			}
			if !sameSet(paths, tc.want) {
				t.Errorf("changes %v, want %v (%s)", paths, tc.want, tc.reason)
			}
		})
	}
}

func TestExpectedChange(t *testing.T) {
	want := ids{User: 1000, Group: 100, FSGroup: 2001}
	dir := "/var/mnt/supremeraid/vd0/project1"
	nodes := map[string]string{"feature.node.kubernetes.io/supremeraid": "true", "b": ""}
	tests := []struct {
		name   string
		reason string
		ch     change
		ok     bool
	}{
		{"volume", "the tenant's directory", change{'+', "spec.volumes[name=supremeraid]", toMap(&corev1.Volume{Name: volumeName, VolumeSource: hostPathSource(dir)})}, true},
		{"volume elsewhere", "another directory is not the webhook's change", change{'+', "spec.volumes[name=supremeraid]", toMap(&corev1.Volume{Name: volumeName, VolumeSource: hostPathSource("/etc")})}, false},
		{"volume removed", "the webhook never removes", change{'-', "spec.volumes[name=cache]", nil}, false},
		{"mount", "the mount in a container", change{'+', "spec.initContainers[name=init].volumeMounts[mountPath=/data]", toMap(&corev1.VolumeMount{Name: volumeName, MountPath: "/data"})}, true},
		{"read-only mount", "a different mount is not the webhook's", change{'+', "spec.containers[name=app].volumeMounts[mountPath=/data]", toMap(&corev1.VolumeMount{Name: volumeName, MountPath: "/data", ReadOnly: true})}, false},
		{"pod fsGroup", "the fsGroup annotation", change{'+', "spec.securityContext.fsGroup", int64(2001)}, true},
		{"pod fsGroup from group", "fsGroup must be the annotation, not the group", change{'+', "spec.securityContext.fsGroup", int64(100)}, false},
		{"container uid", "replaced SCC UID", change{'~', "spec.containers[name=sidecar].securityContext.runAsUser", int64(1000)}, true},
		{"container uid added", "the webhook does not add container ids", change{'+', "spec.containers[name=app].securityContext.runAsUser", int64(1000)}, false},
		{"node selector whole", "the DaemonSet's selector", change{'+', "spec.nodeSelector", map[string]any{"feature.node.kubernetes.io/supremeraid": "true", "b": ""}}, true},
		{"node selector partial", "the whole map must match", change{'+', "spec.nodeSelector", map[string]any{"b": ""}}, false},
		{"node selector entry", "one missing entry", change{'+', "spec.nodeSelector[feature.node.kubernetes.io/supremeraid]", "true"}, true},
		{"node selector foreign", "a key the DaemonSet does not select", change{'+', "spec.nodeSelector[zone]", "a"}, false},
		{"labels", "the webhook does not touch labels", change{'~', "labels.app", "x"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := expectedChange(tc.ch, want, dir, nodes); got != tc.ok {
				t.Errorf("expectedChange(%s) = %v, want %v (%s)", tc.ch, got, tc.ok, tc.reason)
			}
		})
	}
}

func TestSummarize(t *testing.T) {
	var d []time.Duration
	for i := 100; i >= 1; i-- {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	s := summarize(d)
	got := []time.Duration{s.p50, s.p90, s.p99, s.min, s.max}
	want := []time.Duration{50, 90, 99, 1, 100}
	for i := range want {
		want[i] *= time.Millisecond
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("p50/p90/p99/min/max of 1..100 ms = %v, want %v (nearest rank)", got, want)
	}
	if s.mean != 50500*time.Microsecond {
		t.Errorf("mean = %v, want 50.5ms", s.mean)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, x := range a {
		seen[x]++
	}
	for _, x := range b {
		seen[x]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}
