package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestStringLengthLimit(t *testing.T) {
	const head = "apiVersion: supremeraid.dev/v1alpha1\nkind: SupremeRAID\n"
	long := strings.Repeat("x", maxStringBytes+1)
	cases := []struct {
		reason    string
		doc       string
		wantPaths []string // TooLong problems; nil = decodes
	}{
		{"a string of exactly the limit decodes (the validator judges it)",
			head + "metadata: {name: " + strings.Repeat("x", maxStringBytes) + "}\n", nil},
		{"one byte over is refused where it is, without the value",
			head + "metadata: {name: " + long + "}\n", []string{"metadata.name"}},
		{"deep in a list",
			head + "spec: {raid: {driveGroups: [{virtualDrives: [{mountPath: /var/" + long + "}]}]}}\n",
			[]string{"spec.raid.driveGroups[0].virtualDrives[0].mountPath"}},
		{"a map value and an over-long map key (an explicit YAML key has no length limit)",
			head + "spec:\n  nodeSelector:\n    a: " + long + "\n    ? " + long + "\n    : b\n",
			[]string{"spec.nodeSelector[a]", "spec.nodeSelector[" + long + "]"}},
		{"annotations belong to the orchestrators and have the API server's own limit",
			head + "metadata:\n  annotations:\n    example.com/big: " + strings.Repeat("y", 100000) + "\n", nil},
	}
	for _, tc := range cases {
		_, errs := Decode([]byte(tc.doc))
		var got []string
		for _, e := range errs {
			if e.Type != "FieldValueTooLong" {
				t.Errorf("%s: unexpected problem %s", tc.reason, e.Error()[:min(200, len(e.Error()))])
				continue
			}
			if strings.Contains(e.ErrorBody(), "xxxx") {
				t.Errorf("%s: the message quotes the value: %.200s", tc.reason, e.ErrorBody())
			}
			got = append(got, e.Field)
		}
		if diff := cmp.Diff(tc.wantPaths, got); diff != "" {
			t.Errorf("%s: TooLong paths differ (-want +got):\n%.2000s", tc.reason, diff)
		}
	}
}
