package kmm_test

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"supremeraid.dev/supremeraid-fn/generators/internal/crdcheck"
	"supremeraid.dev/supremeraid-fn/generators/kmm"
)

// fullModule sets every field of our Module types, so that a JSON name that differs from the
// upstream CRD shows up as a field the API server would prune.
func fullModule() *kmm.Module {
	ref := func(n string) *corev1.LocalObjectReference { return &corev1.LocalObjectReference{Name: n} }
	gen := int64(2)
	secs := int64(30)
	return &kmm.Module{
		TypeMeta:   metav1.TypeMeta{APIVersion: kmm.APIVersion, Kind: kmm.Kind},
		ObjectMeta: metav1.ObjectMeta{Name: "graid", Namespace: "supremeraid"},
		Spec: kmm.ModuleSpec{
			ModuleLoader: &kmm.ModuleLoaderSpec{
				ServiceAccountName: "graid-kmm",
				Container: kmm.ModuleLoaderContainerSpec{
					Modprobe: kmm.ModprobeSpec{
						ModuleName:          "graid_nvidia",
						DirName:             "/opt",
						Parameters:          []string{"debug=0"},
						ModulesLoadingOrder: []string{"graid_nvidia", "graid"},
						FirmwarePath:        "/firmware",
					},
					KernelMappings: []kmm.KernelMapping{{
						Literal:        "5.14.0-427.22.1.el9_4.x86_64",
						Regexp:         "^.+$",
						ContainerImage: "registry.example.com/kmod:${KERNEL_FULL_VERSION}",
						Build: &kmm.Build{
							BuildArgs:           []kmm.BuildArg{{Name: "A", Value: "b"}},
							Secrets:             []corev1.LocalObjectReference{{Name: "s"}},
							DockerfileConfigMap: ref("dockerfile"),
							Selector:            map[string]string{"kubernetes.io/arch": "amd64"},
						},
						Sign: &kmm.Sign{
							KeySecret:   ref("key"),
							CertSecret:  ref("cert"),
							FilesToSign: []string{"/opt/lib/modules/${KERNEL_FULL_VERSION}/extra/graid.ko"},
						},
					}},
					ImagePullPolicy: corev1.PullIfNotPresent,
					Version:         "1.7.2",
				},
			},
			ImageRepoSecret:               ref("pull"),
			ImageRebuildTriggerGeneration: &gen,
			Selector:                      map[string]string{"a": "b"},
			Tolerations: []corev1.Toleration{{
				Key: "k", Operator: corev1.TolerationOpEqual, Value: "v",
				Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &secs,
			}},
		},
	}
}

// TestTypesMatchUpstreamSchema validates the fully populated Module against the upstream CRD
// (schema, CEL rules, pruning of unknown fields).
func TestTypesMatchUpstreamSchema(t *testing.T) {
	m := fullModule()
	if zero := zeroFields(reflect.ValueOf(m.Spec), "spec"); len(zero) > 0 {
		t.Fatalf("fullModule leaves fields unset, so their JSON names go unchecked: %s", strings.Join(zero, ", "))
	}
	crdcheck.Validate(t, crdFile, m)
}

// TestSchemaCheckCatchesMistakes proves the check above can fail: a misspelt field and a value
// of the wrong shape are both reported.
func TestSchemaCheckCatchesMistakes(t *testing.T) {
	cases := map[string]struct {
		reason string
		edit   func(map[string]any)
		want   string
	}{
		"unknown field": {
			reason: "a JSON name upstream does not have would be pruned by the server",
			edit: func(m map[string]any) {
				spec := m["spec"].(map[string]any)
				spec["nodeSelector"] = spec["selector"]
			},
			want: "spec.nodeSelector",
		},
		"missing required": {
			reason: "kernelMappings is required in the container",
			edit: func(m map[string]any) {
				c := m["spec"].(map[string]any)["moduleLoader"].(map[string]any)["container"].(map[string]any)
				delete(c, "kernelMappings")
			},
			want: "kernelMappings",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			m := toMap(t, fullModule())
			tc.edit(m)
			errs, err := crdcheck.Check(crdFile, m)
			if err != nil {
				t.Fatal(err)
			}
			if agg := errs.ToAggregate(); agg == nil || !strings.Contains(agg.Error(), tc.want) {
				t.Errorf("errors %v do not mention %s (%s)", agg, tc.want, tc.reason)
			}
		})
	}
}

// zeroFields lists exported struct fields below v that hold their zero value.
func zeroFields(v reflect.Value, path string) []string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return []string{path}
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Struct:
		if strings.HasPrefix(v.Type().PkgPath(), "k8s.io/") {
			if v.IsZero() {
				return []string{path}
			}
			return nil // upstream Kubernetes types are tested upstream
		}
		var out []string
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if f.IsExported() {
				out = append(out, zeroFields(v.Field(i), path+"."+f.Name)...)
			}
		}
		return out
	case reflect.Slice:
		if v.Len() == 0 {
			return []string{path}
		}
		return zeroFields(v.Index(0), path+"[0]")
	default:
		if v.IsZero() {
			return []string{path}
		}
	}
	return nil
}
