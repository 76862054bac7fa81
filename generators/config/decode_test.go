package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDecode(t *testing.T) {
	cases := map[string]struct {
		reason    string
		in        string
		wantPaths []string // every problem's field path, in order; nil means success
		fatal     bool     // no config at all: the input is not one YAML mapping
	}{
		"valid minimal": {
			reason: "a well-formed document decodes",
			in:     "apiVersion: supremeraid.dev/v1alpha1\nkind: SupremeRAID\nspec:\n  namespace: x\n",
		},
		"metadata annotations of orchestrators are accepted": {
			reason: "kpt and kustomize annotate the config; ObjectMeta takes them",
			in:     "apiVersion: supremeraid.dev/v1alpha1\nkind: SupremeRAID\nmetadata:\n  name: g\n  annotations:\n    internal.config.kubernetes.io/path: a.yaml\n",
		},
		"every unknown field at once": {
			reason:    "a typo must not hide another typo",
			in:        "kind: SupremeRAID\nspec:\n  namspace: x\n  raid:\n    driveGroups:\n    - raidlevel: raid5\n  opa: {namespce: o}\n",
			wantPaths: []string{"spec.namspace", "spec.opa.namespce", "spec.raid.driveGroups[0].raidlevel"},
		},
		"unknown fields and wrong types together": {
			reason:    "encoding/json alone would stop at the first wrong type",
			in:        "kind: SupremeRAID\nspec:\n  nvidia: {driverVersion: 550}\n  typo: 1\n",
			wantPaths: []string{"spec.nvidia.driverVersion", "spec.typo"},
		},
		"integer overflow": {
			reason:    "an ID larger than int64 is a type problem, not a silent wrap",
			in:        "spec:\n  workloads:\n    namespaces:\n    - {name: a, runAsUser: 99999999999999999999, runAsGroup: 1}\n",
			wantPaths: []string{"spec.workloads.namespaces[0].runAsUser"},
		},
		"map value type": {
			reason:    "nodeSelector values must be strings",
			in:        "spec:\n  nodeSelector: {a: [1]}\n",
			wantPaths: []string{"spec.nodeSelector[a]"},
		},
		"not a mapping": {
			reason:    "a list document is rejected",
			in:        "- a\n- b\n",
			wantPaths: []string{"<document>"},
			fatal:     true,
		},
		"empty document": {
			reason:    "nothing to decode",
			in:        "",
			wantPaths: []string{"<document>"},
			fatal:     true,
		},
		"duplicate key": {
			reason:    "YAML allows it, but one of the values would be lost",
			in:        "spec:\n  namespace: a\n  namespace: b\n",
			wantPaths: []string{"spec.namespace"},
		},
		"toleration fields are checked too": {
			reason:    "embedded Kubernetes types are walked like ours",
			in:        "spec:\n  tolerations:\n  - {key: a, efect: NoSchedule}\n",
			wantPaths: []string{"spec.tolerations[0].efect"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			cfg, errs := Decode([]byte(tc.in))
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
			}
			if diff := cmp.Diff(tc.wantPaths, got); diff != "" {
				t.Fatalf("%s\nfield paths (-want +got):\n%s\nerrors: %v", tc.reason, diff, errs)
			}
			if (cfg == nil) != tc.fatal {
				t.Errorf("%s\nconfig returned = %v with %d errors", tc.reason, cfg != nil, len(errs))
			}
		})
	}
}

func TestDecodeUnknownFieldListsAllowed(t *testing.T) {
	_, errs := Decode([]byte("spec:\n  raid:\n    driveGroups:\n    - raidlevel: raid5\n"))
	if len(errs) != 1 || !strings.Contains(errs[0].Detail, "allowed here: raidLevel, physicalDrives, allowInitialize, virtualDrives") {
		t.Fatalf("want the allowed field names in the message, got %v", errs)
	}
}
