package admission

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// ids are a tenant's user, group and fsGroup.
type ids struct{ User, Group, FSGroup int64 }

// namespaceIDs reads the ids from the stored Namespace's annotations, where
// OPA reads them (fs-group defaults to run-as-group).
func namespaceIDs(t *testing.T, e *env, namespace string) ids {
	t.Helper()
	ns, err := e.kube.CoreV1().Namespaces().Get(context.Background(), namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	num := func(key string) int64 {
		v, err := strconv.ParseInt(ns.Annotations[key], 10, 64)
		if err != nil {
			t.Fatalf("namespace %s annotation %s=%q: %v", namespace, key, ns.Annotations[key], err)
		}
		return v
	}
	out := ids{User: num(annotationUID), Group: num(annotationGID)}
	out.FSGroup = out.Group
	if _, ok := ns.Annotations[annotationFSG]; ok {
		out.FSGroup = num(annotationFSG)
	}
	return out
}

func testMutated(t *testing.T, e *env) {
	ctx := context.Background()
	for _, c := range mutatedCases(e) {
		p := c.pod
		t.Run(p.Namespace+"/"+p.Name, func(t *testing.T) {
			want := namespaceIDs(t, e, p.Namespace)
			before := e.decisions(t)
			if _, err := e.create(ctx, p, false); err != nil {
				t.Fatalf("creating %s (%s): %v", p.Name, c.reason, err)
			}
			calls := e.callsSince(t, before, c.calls).Calls
			stored, err := e.kube.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if calls != c.calls {
				t.Errorf("the API server called OPA %d times for this create, want %d", calls, c.calls)
			}
			dir := e.tenants[p.Namespace].Dir
			checkVolume(t, stored, dir)
			mounted := checkMounts(t, stored)
			checkIDs(t, stored, want)
			checkNodeSelector(t, stored, p, e.nodeSelector)
			changes, err := specChanges(e.baselines[p.Namespace+"/"+p.Name], stored)
			if err != nil {
				t.Fatal(err)
			}
			var other []string
			for _, ch := range changes {
				if !expectedChange(ch, want, dir, e.nodeSelector) {
					other = append(other, ch.String())
				}
			}
			if len(other) > 0 {
				t.Errorf("fields changed that the webhook must not touch (stored vs. the same pod stored without the webhook):\n  %s", strings.Join(other, "\n  "))
			}
			if t.Failed() {
				return
			}
			t.Logf("PASS (a) %s/%s (%s): stored with hostPath volume %s (%s, type Directory), %s mounted in %s, "+
				"runAsUser=%d runAsGroup=%d fsGroup=%d from the namespace annotations, nodeSelector %v (the node DaemonSet's %d entries added); "+
				"OPA called %d time(s); %d field(s) differ from the pod stored without the webhook, all of them the webhook's",
				p.Namespace, p.Name, c.reason, volumeName, dir, containerPath, strings.Join(mounted, ", "),
				want.User, want.Group, want.FSGroup, stored.Spec.NodeSelector, len(e.nodeSelector), calls, len(changes))
		})
	}
}

// checkVolume: exactly one volume named supremeraid, the tenant's directory
// as a hostPath of type Directory, nothing else in it.
func checkVolume(t *testing.T, p *corev1.Pod, dir string) {
	t.Helper()
	n := 0
	for _, v := range p.Spec.Volumes {
		if v.Name == volumeName {
			n++
		}
	}
	v := findVolume(p, volumeName)
	if n != 1 || v == nil {
		t.Fatalf("want exactly one volume %q, got %d: %+v", volumeName, n, p.Spec.Volumes)
	}
	if !reflect.DeepEqual(v.VolumeSource, hostPathSource(dir)) {
		t.Errorf("volume %s is %+v, want hostPath {path: %s, type: Directory}", volumeName, v.VolumeSource, dir)
	}
}

func hostPathSource(dir string) corev1.VolumeSource {
	t := corev1.HostPathDirectory
	return corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: dir, Type: &t}}
}

// checkMounts: every init container and container mounts the volume at the
// container path exactly once. Returns the containers, for the log.
func checkMounts(t *testing.T, p *corev1.Pod) []string {
	t.Helper()
	names, cs := allContainers(p)
	for i, c := range cs {
		n := 0
		for _, m := range c.VolumeMounts {
			if m.Name == volumeName {
				n++
				want := corev1.VolumeMount{Name: volumeName, MountPath: containerPath}
				if m != want {
					t.Errorf("%s mounts %+v, want %+v", names[i], m, want)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s mounts volume %s %d times, want once: %+v", names[i], volumeName, n, c.VolumeMounts)
		}
	}
	return names
}

// checkIDs: the pod runs as the tenant, and no container overrides that.
func checkIDs(t *testing.T, p *corev1.Pod, want ids) {
	t.Helper()
	sc := p.Spec.SecurityContext
	got := func(v *int64) string {
		if v == nil {
			return "unset"
		}
		return strconv.FormatInt(*v, 10)
	}
	if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != want.User || sc.RunAsGroup == nil || *sc.RunAsGroup != want.Group ||
		sc.FSGroup == nil || *sc.FSGroup != want.FSGroup {
		t.Errorf("pod securityContext runAsUser=%s runAsGroup=%s fsGroup=%s, want %d/%d/%d",
			got(sc.RunAsUser), got(sc.RunAsGroup), got(sc.FSGroup), want.User, want.Group, want.FSGroup)
	}
	names, cs := allContainers(p)
	for i, c := range cs {
		if c.SecurityContext == nil {
			continue
		}
		if u := c.SecurityContext.RunAsUser; u != nil && *u != want.User {
			t.Errorf("%s overrides runAsUser with %d, want %d (the tenant's)", names[i], *u, want.User)
		}
		if g := c.SecurityContext.RunAsGroup; g != nil && *g != want.Group {
			t.Errorf("%s overrides runAsGroup with %d, want %d (the tenant's)", names[i], *g, want.Group)
		}
	}
}

// checkNodeSelector: the pod requires every label of the node DaemonSet's
// nodeSelector (the nodes that mount the volume) and keeps its own entries.
func checkNodeSelector(t *testing.T, stored, submitted *corev1.Pod, nodes map[string]string) {
	t.Helper()
	for k, v := range nodes {
		if got, ok := stored.Spec.NodeSelector[k]; !ok || got != v {
			t.Errorf("nodeSelector %s=%q missing (got %v): the pod could land on a node without its directory", k, v, stored.Spec.NodeSelector)
		}
	}
	for k, v := range submitted.Spec.NodeSelector {
		if stored.Spec.NodeSelector[k] != v {
			t.Errorf("the pod's own nodeSelector %s=%q was lost (got %v)", k, v, stored.Spec.NodeSelector)
		}
	}
}

var (
	nodeSelectorKey = regexp.MustCompile(`^spec\.nodeSelector\[(.+)\]$`)
	mountChange     = regexp.MustCompile(`^spec\.(initContainers|containers)\[name=[^\]]+\]\.volumeMounts\[mountPath=` + regexp.QuoteMeta(containerPath) + `\]$`)
	podIDChange     = regexp.MustCompile(`^spec\.securityContext\.(runAsUser|runAsGroup|fsGroup)$`)
	containerIDPath = regexp.MustCompile(`^spec\.(initContainers|containers)\[name=[^\]]+\]\.securityContext\.(runAsUser|runAsGroup)$`)
)

// expectedChange reports whether ch is one the webhook is meant to make:
// add the volume, add the mount, set the pod's ids, replace a container's
// differing ids, add the node DaemonSet's nodeSelector (whole or per
// missing entry). Each must carry the right value.
func expectedChange(ch change, want ids, dir string, nodes map[string]string) bool {
	idOf := map[string]int64{"runAsUser": want.User, "runAsGroup": want.Group, "fsGroup": want.FSGroup}
	field := ch.Path[strings.LastIndex(ch.Path, ".")+1:]
	switch {
	case ch.Op == '+' && ch.Path == "spec.volumes[name="+volumeName+"]":
		return reflect.DeepEqual(ch.New, toMap(&corev1.Volume{Name: volumeName, VolumeSource: hostPathSource(dir)}))
	case ch.Op == '+' && mountChange.MatchString(ch.Path):
		return reflect.DeepEqual(ch.New, toMap(&corev1.VolumeMount{Name: volumeName, MountPath: containerPath}))
	case (ch.Op == '+' || ch.Op == '~') && podIDChange.MatchString(ch.Path):
		return ch.New == idOf[field]
	case ch.Op == '~' && containerIDPath.MatchString(ch.Path):
		return ch.New == idOf[field]
	case ch.Op == '+' && ch.Path == "spec.nodeSelector":
		m, _ := ch.New.(map[string]any)
		if len(m) != len(nodes) {
			return false
		}
		for k, v := range nodes {
			if m[k] != v {
				return false
			}
		}
		return true
	case ch.Op == '+' && nodeSelectorKey.MatchString(ch.Path):
		key := nodeSelectorKey.FindStringSubmatch(ch.Path)[1]
		v, ok := nodes[key]
		return ok && ch.New == v
	}
	return false
}

// toMap converts a pointer to an API struct as specChanges sees it.
func toMap(ptr any) map[string]any {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(ptr)
	if err != nil {
		panic(fmt.Sprintf("converting %T: %v", ptr, err)) // only pointers to API structs are passed
	}
	return m
}

// testPolicyDenial: opted-in pods the policy cannot mutate safely are
// refused with the policy's own message, and not stored.
func testPolicyDenial(t *testing.T, e *env) {
	ns := tenantNames(e)[0]
	// A key of the node DaemonSet's selector, asked for with another value.
	var key string
	for k := range e.nodeSelector {
		if key == "" || k < key {
			key = k
		}
	}
	tests := []struct {
		name, reason string
		pod          *corev1.Pod
	}{
		{
			name:   "other-volume-at-container-path",
			reason: "another volume already at " + containerPath,
			pod: newPod(ns, "deny-mount", optIn(), func(p *corev1.Pod) {
				p.Spec.Volumes = []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}}
				p.Spec.Containers[0].VolumeMounts = []corev1.VolumeMount{{Name: "scratch", MountPath: containerPath}}
			}),
		},
		{
			name:   "node-selector-conflict",
			reason: "the pod selects nodes that do not mount the volume (" + key + ")",
			pod: newPod(ns, "deny-nodes", optIn(), func(p *corev1.Pod) {
				p.Spec.NodeSelector = map[string]string{key: e.nodeSelector[key] + "-other"}
			}),
		},
	}
	want := fmt.Sprintf("admission webhook %q denied the request: supremeraid: ", webhookEntryName)
	ctx := context.Background()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.pod
			_, err := e.create(ctx, p, false)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("creating %s/%s (%s): got %v, want a denial containing %q", ns, p.Name, tc.reason, err, want)
			}
			if _, gerr := e.kube.CoreV1().Pods(ns).Get(ctx, p.Name, metav1.GetOptions{}); !apierrors.IsNotFound(gerr) {
				t.Errorf("the denied pod was stored anyway (get: %v)", gerr)
			}
			t.Logf("PASS (a) %s/%s refused by the policy (%s): %v", ns, p.Name, tc.reason, err)
		})
	}
}
