package graidctl

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFormatIDList(t *testing.T) {
	cases := map[string]struct {
		reason string
		in     []int
		want   string
	}{
		"range":      {reason: "the documented form is a single range", in: []int{0, 1, 2, 3}, want: "0-3"},
		"unsorted":   {reason: "order of input must not matter", in: []int{3, 1, 2, 0}, want: "0-3"},
		"single":     {reason: "one id is just the id", in: []int{5}, want: "5"},
		"gaps":       {reason: "non-contiguous ids become a comma list of runs", in: []int{0, 2, 3, 7}, want: "0,2-3,7"},
		"duplicates": {reason: "duplicates collapse", in: []int{1, 1, 2}, want: "1-2"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if got := FormatIDList(tc.in); got != tc.want {
				t.Errorf("%s: FormatIDList(%v) = %q, want %q", tc.reason, tc.in, got, tc.want)
			}
			back, err := ParseIDList(tc.want)
			if err != nil {
				t.Fatalf("%s: ParseIDList(%q): %v", tc.reason, tc.want, err)
			}
			if got := FormatIDList(back); got != tc.want {
				t.Errorf("%s: round trip gave %q", tc.reason, got)
			}
		})
	}
}

func TestParseIDList(t *testing.T) {
	cases := map[string]struct {
		reason  string
		in      string
		want    []int
		wantErr bool
	}{
		"range":    {reason: "0-3 is four ids", in: "0-3", want: []int{0, 1, 2, 3}},
		"list":     {reason: "comma lists are accepted", in: "0,2", want: []int{0, 2}},
		"empty":    {reason: "nothing is an error", in: "", wantErr: true},
		"reversed": {reason: "3-0 is not a range", in: "3-0", wantErr: true},
		"negative": {reason: "ids are non-negative", in: "-1", wantErr: true},
		"word":     {reason: "words are not ids", in: "all", wantErr: true},
		"trailing": {reason: "an empty item is an error", in: "1,", wantErr: true},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseIDList(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("%s: err = %v, wantErr %v", tc.reason, err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}
