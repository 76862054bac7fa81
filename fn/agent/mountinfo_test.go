package agent

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseMountInfo(t *testing.T) {
	cases := map[string]struct {
		reason  string
		in      string
		want    []MountEntry
		wantErr string
	}{
		"shared xfs": {
			reason: "a typical entry with a peer group",
			in:     "43 41 7:0 / /host/var/mnt/supremeraid/vd0 rw,noatime shared:2 - xfs /dev/gdg0n1 rw,attr2\n",
			want: []MountEntry{{ID: 43, ParentID: 41, MajorMinor: "7:0", Root: "/", MountPoint: "/host/var/mnt/supremeraid/vd0",
				Options: "rw,noatime", Optional: []string{"shared:2"}, FSType: "xfs", Source: "/dev/gdg0n1", SuperOpts: "rw,attr2"}},
		},
		"no optional fields, escaped space": {
			reason: "paths with spaces are octal-escaped by the kernel",
			in:     `21 26 0:20 / /mnt/a\040b rw,relatime - tmpfs my\040src rw` + "\n",
			want: []MountEntry{{ID: 21, ParentID: 26, MajorMinor: "0:20", Root: "/", MountPoint: "/mnt/a b",
				Options: "rw,relatime", Optional: []string{}, FSType: "tmpfs", Source: "my src", SuperOpts: "rw"}},
		},
		"malformed": {
			reason:  "a line without the separator is an error, not silently skipped",
			in:      "1 2 3 / /x rw shared:1 xfs /dev/x rw\n",
			wantErr: "malformed",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := ParseMountInfo(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: err = %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("%s: -want +got:\n%s", tc.reason, diff)
			}
		})
	}
}

func TestFindMountAndShared(t *testing.T) {
	entries, err := ParseMountInfo(strings.NewReader(
		"10 1 0:1 / /m rw shared:1 - tmpfs a rw\n" +
			"11 10 0:2 / /m rw master:1 - tmpfs b rw\n"))
	if err != nil {
		t.Fatal(err)
	}
	e, ok := FindMount(entries, "/m")
	if !ok || e.Source != "b" {
		t.Errorf("stacked mounts: the last (top) one is visible, got %+v", e)
	}
	if e.Shared() {
		t.Error("a master (slave) mount is not shared")
	}
	if !entries[0].Shared() {
		t.Error("shared:1 is shared")
	}
	if _, ok := FindMount(entries, "/other"); ok {
		t.Error("no entry for /other")
	}
	if _, err := ReadMountInfo("/proc/self/mountinfo"); err != nil {
		t.Errorf("the real mount table must parse: %v", err)
	}
}
