package agent

import "testing"

func TestDepsPaths(t *testing.T) {
	cases := map[string]struct {
		reason string
		got    string
		want   string
	}{
		"target":    {reason: "mount paths live under the host root", got: Deps{HostRoot: "/host"}.target("/var/mnt/vd0"), want: "/host/var/mnt/vd0"},
		"no root":   {reason: "an empty host root means the paths are used as they are", got: Deps{}.target("/var/mnt/vd0"), want: "/var/mnt/vd0"},
		"dev":       {reason: "device paths are not under the host root: /dev is mounted as is", got: Deps{HostRoot: "/host"}.dev("/dev/gdg0n1"), want: "/dev/gdg0n1"},
		"dev test":  {reason: "tests move /dev under a temp dir", got: Deps{DevRoot: "/tmp/x"}.dev("/dev/gdg0n1"), want: "/tmp/x/dev/gdg0n1"},
		"state dir": {reason: "the drive record is on the host", got: Deps{HostRoot: "/host"}.withDefaults().stateDir(), want: "/host/var/lib/supremeraid-node"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Errorf("%s: got %q, want %q", tc.reason, tc.got, tc.want)
			}
		})
	}
	d := Deps{}.withDefaults()
	if d.Log == nil || d.Chown == nil || d.UnmountTimeout != DefaultUnmountTimeout || d.MountInfo != "/proc/self/mountinfo" {
		t.Errorf("withDefaults must fill every side effect: %+v", d)
	}
	r := RealDeps("/usr/bin/graidctl", "/host", nil)
	if r.Graidctl.Path != "/usr/bin/graidctl" || r.HostRoot != "/host" || r.DevRoot != "" || r.SysRoot != "" {
		t.Errorf("RealDeps must use the real /dev and /sys: %+v", r)
	}
	if _, ok := r.Mount.(ExecMounter); !ok {
		t.Errorf("RealDeps must mount with mount(8), got %T", r.Mount)
	}
	if _, ok := r.Prober.(BlkidProber); !ok {
		t.Errorf("RealDeps must probe with blkid, got %T", r.Prober)
	}
	if _, ok := r.Format.(MkfsFormatter); !ok {
		t.Errorf("RealDeps must format with mkfs, got %T", r.Format)
	}
}
