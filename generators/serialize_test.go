package generators

import (
	"encoding/json"

	"github.com/GoogleContainerTools/kpt-functions-sdk/go/fn"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestToYAMLDropsSerialisationNoise: a typed DaemonSet serialises with creationTimestamp: null,
// status and empty structs; none may reach the output, but emptyDir: {} (a real volume source)
// and large integers must.
func TestToYAMLDropsSerialisationNoise(t *testing.T) {
	ds := &appsv1.DaemonSet{
		TypeMeta:   metav1.TypeMeta{APIVersion: "apps/v1", Kind: "DaemonSet"},
		ObjectMeta: metav1.ObjectMeta{Name: "x"},
		Spec: appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers:                    []corev1.Container{{Name: "c", Image: "i"}},
			Volumes:                       []corev1.Volume{{Name: "scratch", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}}},
			TerminationGracePeriodSeconds: ptr(int64(1000000)),
		}}},
	}
	m, err := ToMap(ds)
	if err != nil {
		t.Fatal(err)
	}
	y, err := ToYAML(m)
	if err != nil {
		t.Fatal(err)
	}
	out := string(y)
	for _, bad := range []string{"creationTimestamp", "status", "resources: {}", "strategy", ": null", "1e+06"} {
		if strings.Contains(out, bad) {
			t.Errorf("output contains %q:\n%s", bad, out)
		}
	}
	for _, want := range []string{"emptyDir: {}", "terminationGracePeriodSeconds: 1000000"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestToMapNeedsTypeMeta(t *testing.T) {
	if _, err := ToMap(&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}); err == nil {
		t.Error("an object without apiVersion and kind was accepted")
	}
}

func TestFamiliesOrder(t *testing.T) {
	var names []string
	for _, f := range Families() {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "base,nfd,machineconfig,nvidia,kmm,node,monitoring,opa,tenants" {
		t.Errorf("family order %s", got)
	}
}

func ptr[T any](v T) *T { return &v }

// TestFastYAMLAgreesOnEdgeCases: on values whose YAML form is subtle (YAML 1.1 booleans,
// numbers in strings, indicators, folding, literal blocks, key order), the direct path either
// leaves the object to the library or writes exactly what the library writes.
func TestFastYAMLAgreesOnEdgeCases(t *testing.T) {
	strs := []string{
		"", "yes", "Yes", "yEs", "on", "ON", "y", "n", "~", "null", "true", "False", "2531", "0108", "-2", "1ff2", "10de", "1e3",
		".inf", "-.inf", ".5", "+1", "1_000", "1:20", "2001-12-14", "10Gi", "--config=/etc/x", "-", "-x", "- x", "a: b", "a:b", "a:",
		":a", "x #y", "x#y", "#x", "a b", " a", "a ", "it's", `say "hi"`, "back\\slash", "tab\there", "ünï", "@x", "%x", "&a", "*a",
		"!x", "|x", ">x", "[a]", "{a}", "a,b", "a [b]", "http://example.com/a?b=c&d", "image@sha256:abc", "a=b", "$(X)",
		"a very long string with spaces that goes well beyond the eighty column limit of the emitter here",
		"line\n", "line1\nline2", "line1\nline2\n", "line1\n\n", " lead\n", "\nlead", "trail \nx", "x\n  indented\n",
		"x\n\ny\n", "x\ty\n", "ok\n# comment\n",
	}
	keys := []string{"a", "b", "A", "B", "a_b", "aB", "a-b", "a.b", "a/b", "a1", "a10", "a9", "a", "ab", "00-x", "10-y", "9-z", "01", "10", "a01", "a10b", "a1-", "a11", "1a", "a0", "a00", "x_y", "xY", "Z", "_z", "-z"}
	for _, s := range strs {
		for _, m := range []map[string]any{
			{"apiVersion": "v1", "kind": "K", "v": s},
			{"apiVersion": "v1", "kind": "K", "l": []any{s, map[string]any{"k": s, "z": []any{s}}}},
			{"apiVersion": "v1", "kind": "K", s: "v"},
		} {
			assertFastMatches(t, m)
		}
	}
	for i := range keys {
		for j := range keys {
			assertFastMatches(t, map[string]any{keys[i]: json.Number("1"), keys[j]: "b", "kind": "K", "apiVersion": "v1"})
		}
	}
	assertFastMatches(t, map[string]any{"n": json.Number("12345678901234567890"), "f": json.Number("1.5"), "b": true, "e": map[string]any{}, "s": []any{}, "ss": []any{[]any{"a"}}})
}

func assertFastMatches(t *testing.T, m map[string]any) {
	t.Helper()
	want, err := libraryYAML(m)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := FastYAML(m); ok && string(got) != string(want) {
		t.Errorf("%q: direct path wrote\n%s\nthe library\n%s", m, got, want)
	}
	// SDKDocument: what the SDK writes after parsing the library's document.
	o, err := fn.ParseKubeObject(want)
	if err != nil {
		return // not an object the SDK reads (no apiVersion); SDKDocument is never asked
	}
	if got, ok := SDKDocument(m); ok && string(got) != o.String() {
		t.Errorf("%q: SDKDocument wrote\n%s\nthe SDK\n%s", m, got, o.String())
	}
}
