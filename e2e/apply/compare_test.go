package apply

import (
	"strings"
	"testing"
)

func TestCompare(t *testing.T) {
	cases := map[string]struct {
		reason  string
		applied string
		stored  string
		want    []string // Difference strings, in report order
	}{
		"server additions ignored": {
			reason:  "uid, resourceVersion, managedFields, status and defaults are the server's, not drops",
			applied: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","labels":{"app.kubernetes.io/part-of":"graid"}},"data":{"k":"v"}}`,
			stored:  `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a","uid":"u","resourceVersion":"7","labels":{"app.kubernetes.io/part-of":"graid"},"managedFields":[{}]},"data":{"k":"v"},"status":{"x":1}}`,
		},
		"dropped leaf": {
			reason:  "a field the server silently dropped (e.g. a disabled feature gate) must be reported with its path",
			applied: `{"spec":{"template":{"spec":{"containers":[{"name":"c","stopSignal":"SIGUSR1"}]}}}}`,
			stored:  `{"spec":{"template":{"spec":{"containers":[{"name":"c","terminationMessagePath":"/dev/termination-log"}]}}}}`,
			want:    []string{`spec.template.spec.containers[0].stopSignal: applied "SIGUSR1", not stored (dropped)`},
		},
		"changed value": {
			reason:  "a value rewritten by a mutating admission or defaulting must be reported",
			applied: `{"spec":{"replicas":1,"paused":true}}`,
			stored:  `{"spec":{"replicas":3,"paused":true}}`,
			want:    []string{`spec.replicas: applied 1, stored 3`},
		},
		"dropped list item": {
			reason:  "a shortened list is a drop of the missing items",
			applied: `{"args":["a","b","c"]}`,
			stored:  `{"args":["a","b"]}`,
			want:    []string{`args[2]: applied "c", not stored (dropped)`},
		},
		"label keys bracketed": {
			reason:  "label keys contain dots and slashes; the path must stay unambiguous",
			applied: `{"metadata":{"labels":{"app.kubernetes.io/managed-by":"supremeraid-fn"}}}`,
			stored:  `{"metadata":{"labels":{}}}`,
			want:    []string{`metadata.labels["app.kubernetes.io/managed-by"]: applied "supremeraid-fn", not stored (dropped)`},
		},
		"empty values that vanish": {
			reason:  "an empty map, empty list or null that the server omits is output noise and must be reported",
			applied: `{"metadata":{"annotations":{},"creationTimestamp":null},"spec":{"nodeSelector":{},"args":[]}}`,
			stored:  `{"metadata":{"creationTimestamp":"2026-01-01T00:00:00Z"},"spec":{}}`,
			want: []string{
				`metadata.annotations: applied {}, not stored (dropped)`,
				`metadata.creationTimestamp: applied null, stored "2026-01-01T00:00:00Z"`,
				`spec.args: applied [], not stored (dropped)`,
				`spec.nodeSelector: applied {}, not stored (dropped)`,
			},
		},
		"empty values kept": {
			reason:  "emptyDir: {} and an empty list the server keeps are stored as set",
			applied: `{"volumes":[{"name":"v","emptyDir":{}}],"items":[]}`,
			stored:  `{"volumes":[{"name":"v","emptyDir":{}}],"items":[]}`,
		},
		"numbers by value": {
			reason:  "JSON 1 and 1.0 are one number; 0.5 and 0.25 are not",
			applied: `{"a":1,"b":0.5}`,
			stored:  `{"a":1.0,"b":0.25}`,
			want:    []string{`b: applied 0.5, stored 0.25`},
		},
		"quantities by value": {
			reason:  "the server canonicalises quantities (0.5 CPU -> 500m, 1024Mi -> 1Gi); a different amount is still a change",
			applied: `{"requests":{"cpu":"0.5","memory":"1024Mi","ephemeral-storage":"1Gi"},"limits":{"cpu":2}}`,
			stored:  `{"requests":{"cpu":"500m","memory":"1Gi","ephemeral-storage":"2Gi"},"limits":{"cpu":"2"}}`,
			want:    []string{`requests.ephemeral-storage: applied "1Gi", stored "2Gi"`},
		},
		"plain strings exact": {
			reason:  "a non-quantity string must match byte for byte",
			applied: `{"image":"registry/graid:1.7.2"}`,
			stored:  `{"image":"registry/graid:1.7.3"}`,
			want:    []string{`image: applied "registry/graid:1.7.2", stored "registry/graid:1.7.3"`},
		},
		"type change": {
			reason:  "a map stored as something else is a change, not a panic",
			applied: `{"spec":{"a":{"b":1},"l":[1]}}`,
			stored:  `{"spec":{"a":"x","l":{"k":1}}}`,
			want:    []string{`spec.a: applied map[b:1], stored "x"`, `spec.l: applied [1], stored map[k:1]`},
		},
		"secret stringData": {
			reason:  "stringData is write-only; the server stores it base64 in data",
			applied: `{"apiVersion":"v1","kind":"Secret","stringData":{"license":"KEY","other":"x"}}`,
			stored:  `{"apiVersion":"v1","kind":"Secret","data":{"license":"S0VZ","other":"eQ=="}}`,
			want:    []string{`data.other: applied "eA==", stored "eQ=="`},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			applied, err := decodeJSON([]byte(tc.applied))
			if err != nil {
				t.Fatal(err)
			}
			stored, err := decodeJSON([]byte(tc.stored))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range Compare(applied, stored) {
				got = append(got, d.String())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("%s:\n got %q\nwant %q", tc.reason, got, tc.want)
			}
		})
	}
}

func TestDecodeJSONKeepsLargeIntegersExact(t *testing.T) {
	m, err := decodeJSON([]byte(`{"big":9007199254740993,"f":1.5}`))
	if err != nil {
		t.Fatal(err)
	}
	if m["big"] != int64(9007199254740993) {
		t.Errorf("big = %#v; integers above 2^53 must not pass through float64", m["big"])
	}
	if m["f"] != 1.5 {
		t.Errorf("f = %#v, want 1.5", m["f"])
	}
}

func TestLeaves(t *testing.T) {
	obj, err := decodeJSON([]byte(`{"a":1,"b":{"c":"x","d":[1,2,{"e":null}]},"f":{},"g":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	if got := Leaves(obj); got != 7 {
		t.Errorf("Leaves = %d, want 7 (a, c, 1, 2, e, {} and [])", got)
	}
}
