package graidctl

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func intp(i int) *int { return &i }

func TestDecodeResult(t *testing.T) {
	cases := map[string]struct {
		reason  string
		out     string
		want    []PhysicalDrive
		wantErr string
	}{
		"plain": {
			reason: "the documented envelope decodes into typed entries",
			out:    `{"Result":[{"PdId":0,"DgId":1,"DevicePath":"/dev/gpd0","Wwid":"eui.1","State":"ONLINE"}]}`,
			want:   []PhysicalDrive{{PdID: 0, DgID: intp(1), DevicePath: "/dev/gpd0", Wwid: "eui.1", State: "ONLINE"}},
		},
		"status line first": {
			reason: "real graidctl may print a check-mark status line before the JSON",
			out:    "\u2714List physical drive successfully.\n{\"Result\":[{\"PdId\":3}]}\n",
			want:   []PhysicalDrive{{PdID: 3}},
		},
		"unknown fields": {
			reason: "fields we do not model must not break decoding",
			out:    `{"Result":[{"PdId":2,"Model":"X","Capacity":123}],"Extra":true}`,
			want:   []PhysicalDrive{{PdID: 2}},
		},
		"null result": {
			reason: "an empty list may be rendered as null",
			out:    `{"Result":null}`,
			want:   nil,
		},
		"no result": {
			reason:  "a JSON object without Result is not graidctl output",
			out:     `{"Error":"boom"}`,
			wantErr: `no "Result" member`,
		},
		"not json": {
			reason:  "table output (missing --format json) must be rejected clearly",
			out:     "PD ID  DEVICE\n0      /dev/gpd0\n",
			wantErr: "no JSON object",
		},
		"wrong type": {
			reason:  "a Result of the wrong shape is an error, not an empty list",
			out:     `{"Result":{"PdId":1}}`,
			wantErr: "decoding graidctl Result",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			var got []PhysicalDrive
			err := DecodeResult([]byte(tc.out), &got)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s\nerror = %v, want containing %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s\nunexpected error: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s\n-want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestInDriveGroupAndDevice(t *testing.T) {
	cases := map[string]struct {
		reason string
		pd     PhysicalDrive
		wantDG int
		wantOK bool
	}{
		"absent":   {reason: "no DgId means free", pd: PhysicalDrive{}, wantOK: false},
		"negative": {reason: "a negative DgId also means free", pd: PhysicalDrive{DgID: intp(-1)}, wantOK: false},
		"member":   {reason: "DgId 0 is a real group", pd: PhysicalDrive{DgID: intp(0)}, wantDG: 0, wantOK: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			dg, ok := tc.pd.InDriveGroup()
			if dg != tc.wantDG || ok != tc.wantOK {
				t.Errorf("%s: got (%d,%v), want (%d,%v)", tc.reason, dg, ok, tc.wantDG, tc.wantOK)
			}
		})
	}
	if got := (VirtualDrive{DgID: 1, VdID: 0}).Device(); got != "/dev/gdg1n1" {
		t.Errorf("VD without DevicePath: got %q, want /dev/gdg1n1 (namespace = VdId+1)", got)
	}
	if got := (VirtualDrive{DgID: 1, VdID: 0, DevicePath: "/dev/x"}).Device(); got != "/dev/x" {
		t.Errorf("VD with DevicePath: got %q, want the reported path", got)
	}
}
