package kmod

import (
	"os"
	"path/filepath"
	"testing"
)

// TestUnpackRPM unpacks the fixture RPM with rpm2cpio | cpio, and with rpm2archive where cpio
// is absent (RHEL images without cpio), to the same files; neither runs scriptlets.
func TestUnpackRPM(t *testing.T) {
	f := getFixture(t)
	script := writeScript(t)
	tools := needTools(t, "rpm2cpio", "cpio", "rpm2archive", "tar", "gzip", "mkdir")

	// A PATH with everything unpack_rpm may call except cpio.
	noCpio := t.TempDir()
	for _, name := range []string{"rpm2archive", "tar", "gzip", "mkdir"} {
		if err := os.Symlink(tools[name], filepath.Join(noCpio, name)); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name, reason string
		env          []string
	}{
		{"rpm2cpio-cpio", "the usual path", scriptEnv(t)},
		{"rpm2archive", "the fallback when cpio is missing", append(scriptEnv(t), "PATH="+noCpio)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "rootfs")
			if _, stderr, ok := callSnippet(t, script, tc.env, `unpack_rpm "$1" "$2"`, f.rpm, dest); !ok {
				t.Fatalf("%s: unpack_rpm failed:\n%s", tc.reason, stderr)
			}
			for _, p := range []string{
				"usr/src/graid-" + fixtureGraidVersion + "/dkms.conf",
				"usr/src/graid-" + fixtureGraidVersion + "/nvidia/graid_nvidia.c",
				"usr/bin/graid_server",
				"usr/bin/graidctl",
			} {
				if _, err := os.Stat(filepath.Join(dest, p)); err != nil {
					t.Errorf("%s: %s not unpacked: %v", tc.reason, p, err)
				}
			}
			st, err := os.Stat(filepath.Join(dest, "usr/bin/graidctl"))
			if err == nil && st.Mode().Perm() != 0o755 {
				t.Errorf("%s: graidctl mode %v, want the RPM's 0755", tc.reason, st.Mode().Perm())
			}
		})
	}
}
