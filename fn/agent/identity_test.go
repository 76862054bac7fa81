package agent

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"supremeraid.dev/supremeraid-fn/fn/agent/internal/graidctlsim"
)

// TestRecheckDrive: the check right before create pd passes for the SSD that was probed and
// fails for any change of what identifies it, even one that keeps the WWID.
func TestRecheckDrive(t *testing.T) {
	blank := proberFunc(func(context.Context, string) (Signature, error) { return Signature{}, nil })
	xfs := proberFunc(func(context.Context, string) (Signature, error) { return Signature{Type: "xfs"}, nil })
	tests := []struct {
		reason  string
		change  func(t *testing.T, root string)
		prober  Prober
		allow   bool
		wantErr string
	}{
		{reason: "nothing changed", prober: blank},
		{reason: "another WWID under the name", prober: blank, wantErr: "now has WWID eui.other",
			change: func(t *testing.T, root string) { writeSys(t, root, "wwid", "eui.other") }},
		{reason: "same WWID, another controller serial", prober: blank, wantErr: "now identifies as",
			change: func(t *testing.T, root string) { writeSys(t, root, "device/serial", "OTHER") }},
		{reason: "the namespace is gone", prober: blank, wantErr: "resolving it again",
			change: func(t *testing.T, root string) { require.NoError(t, os.Remove(filepath.Join(root, "dev/nvme0n1"))) }},
		{reason: "a signature appeared", prober: xfs, wantErr: "it now holds a xfs signature"},
		{reason: "a signature appeared on a drive allowInitialize names", prober: xfs, allow: true},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			root := t.TempDir()
			require.NoError(t, graidctlsim.AddNVMe(root, "nvme0n1", "eui.nvme0n1", 1<<20))
			d := Deps{DevRoot: root, SysRoot: root, MountInfo: "/proc/self/mountinfo", Prober: tc.prober}
			id, err := readDriveID(d, "/dev/nvme0n1")
			require.NoError(t, err)
			dr := drivePlan{Device: "/dev/nvme0n1", Node: "/dev/nvme0n1", ID: id, Wwid: id.Wwid, Create: true, Allow: tc.allow}
			if tc.change != nil {
				tc.change(t, root)
			}
			err = recheckDrive(context.Background(), d, dr)
			if tc.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Contains(t, err.Error(), "changed since it was probed")
		})
	}
}

func writeSys(t *testing.T, root, name, value string) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(root, "sys/class/block/nvme0n1", name), []byte(value+"\n"), 0o644))
}
