package agent

import (
	"context"
	"strings"
	"testing"
)

func TestExecMounterErrors(t *testing.T) {
	requireTool(t, "mount")
	requireTool(t, "umount")
	dir := t.TempDir()
	cases := map[string]struct {
		reason string
		run    func() error
		want   string
	}{
		"umount not mounted": {
			reason: "unmounting a plain directory fails and says which command failed",
			run:    func() error { return ExecMounter{}.Unmount(context.Background(), dir, false) },
			want:   "umount " + dir,
		},
		"mount missing source": {
			reason: "mounting a device that does not exist fails with mount's message",
			run: func() error {
				return ExecMounter{}.Mount(context.Background(), dir+"/nope", dir, "xfs", []string{"noatime"})
			},
			want: "mount -t xfs -o noatime " + dir + "/nope " + dir,
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			err := tc.run()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: err = %v, want containing %q", tc.reason, err, tc.want)
			}
		})
	}
}
