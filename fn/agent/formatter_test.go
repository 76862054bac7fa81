package agent

import (
	"context"
	"strings"
	"testing"
)

func TestMkfsFormatter(t *testing.T) {
	blkid := requireTool(t, "blkid")
	cases := map[string]struct {
		reason  string
		fstype  string
		preset  string // filesystem already on the device
		wantErr string
	}{
		"xfs":         {reason: "a blank device gets xfs", fstype: "xfs"},
		"ext4":        {reason: "a blank device gets ext4", fstype: "ext4"},
		"xfs over fs": {reason: "without -f mkfs.xfs refuses an existing filesystem: a second guard", fstype: "xfs", preset: "ext4", wantErr: "existing filesystem"},
		"unsupported": {reason: "only xfs and ext4 are made", fstype: "btrfs", wantErr: "unsupported filesystem"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if tc.fstype != "btrfs" {
				requireTool(t, "mkfs."+tc.fstype)
			}
			dev := sparseFile(t, t.TempDir(), "vd", 400<<20)
			if tc.preset != "" {
				runTool(t, "mkfs."+tc.preset, "-q", "-F", dev)
			}
			err := MkfsFormatter{}.Mkfs(context.Background(), tc.fstype, dev)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("%s: err = %v, want %q", tc.reason, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", tc.reason, err)
			}
			sig, err := BlkidProber{Path: blkid}.Probe(context.Background(), dev)
			if err != nil || sig.Type != tc.fstype {
				t.Errorf("%s: probe after mkfs = %+v, %v", tc.reason, sig, err)
			}
		})
	}
}
