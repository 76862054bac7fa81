package agent

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func selinuxLabel(t *testing.T, path string) string {
	t.Helper()
	buf := make([]byte, 256)
	n, err := unix.Lgetxattr(path, SELinuxXattr, buf)
	require.NoError(t, err, "reading %s of %s", SELinuxXattr, path)
	return strings.TrimRight(string(buf[:n]), "\x00")
}

// TestTenantDirSELinuxLabel: each tenant directory carries container_file_t with the tenant's
// own categories, set on the directory itself, again after someone changed it, and not
// rewritten when it is already right. The labels are real xattrs; whether the kernel enforces
// them needs an SELinux node (this machine's kernel stores them without an SELinux LSM).
func TestTenantDirSELinuxLabel(t *testing.T) {
	root := t.TempDir()
	mp := "/var/mnt/vd0"
	require.NoError(t, os.MkdirAll(filepath.Join(root, mp), 0o755))
	probe := filepath.Join(root, "probe")
	require.NoError(t, os.Mkdir(probe, 0o700))
	if err := unix.Lsetxattr(probe, SELinuxXattr, []byte("x\x00"), 0); err != nil {
		missing(t, "cannot set "+SELinuxXattr+" here: "+err.Error())
	}
	d := Deps{HostRoot: root, Chown: os.Chown}
	if os.Geteuid() != 0 {
		missing(t, "needs root to give the directories to the tenant ids")
	}
	tenants := []TenantDir{
		{Namespace: "project1", UID: 10000, GID: 10000, MountPath: mp, SELinuxLevel: "s0:c1,c2"},
		{Namespace: "project2", UID: 10001, GID: 10001, MountPath: mp, SELinuxLevel: "s0:c3,c4"},
	}
	for _, tn := range tenants {
		var st Status
		require.NoError(t, ensureTenantDir(d, "tenants", tn, &st))
		dir := filepath.Join(root, mp, tn.Namespace)
		assert.Equal(t, "system_u:object_r:container_file_t:"+tn.SELinuxLevel, selinuxLabel(t, dir))
		assert.Contains(t, st.Changes, "labelled "+dir+" system_u:object_r:container_file_t:"+tn.SELinuxLevel)
	}
	assert.NotEqual(t, selinuxLabel(t, filepath.Join(root, mp, "project1")), selinuxLabel(t, filepath.Join(root, mp, "project2")))

	dir := filepath.Join(root, mp, "project1")
	var again Status
	require.NoError(t, ensureTenantDir(d, "tenants", tenants[0], &again))
	assert.Empty(t, again.Changes, "a correct label is left alone")

	require.NoError(t, unix.Lsetxattr(dir, SELinuxXattr, []byte("system_u:object_r:container_file_t:s0\x00"), 0))
	var fixed Status
	require.NoError(t, ensureTenantDir(d, "tenants", tenants[0], &fixed))
	assert.Equal(t, "system_u:object_r:container_file_t:s0:c1,c2", selinuxLabel(t, dir), "a changed label is set back")

	// Without a level nothing is labelled (the layout of an older generator).
	plain := TenantDir{Namespace: "project3", UID: 10002, GID: 10002, MountPath: mp}
	var st Status
	require.NoError(t, ensureTenantDir(d, "tenants", plain, &st))
	buf := make([]byte, 64)
	_, err := unix.Lgetxattr(filepath.Join(root, mp, "project3"), SELinuxXattr, buf)
	assert.ErrorIs(t, err, unix.ENODATA)
}

// TestTenantDirSELinuxLabelXFS labels tenant directories on a real XFS (loop device), the
// filesystem the volume carries, mounted without a mount-wide context.
func TestTenantDirSELinuxLabelXFS(t *testing.T) {
	if os.Geteuid() != 0 {
		missing(t, "needs root for losetup and mount")
	}
	mkfs := requireTool(t, "mkfs.xfs")
	work := t.TempDir()
	dev := loopDevice(t, work, "xfs.img")
	mustExec(t, mkfs, "-q", "-f", dev)
	root := filepath.Join(work, "host")
	mp := "/var/mnt/vd0"
	target := filepath.Join(root, mp)
	require.NoError(t, os.MkdirAll(target, 0o755))
	if out, err := exec.Command("mount", "-t", "xfs", dev, target).CombinedOutput(); err != nil {
		missing(t, "cannot mount XFS here: "+strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() { _ = exec.Command("umount", target).Run() })
	d := Deps{HostRoot: root, Chown: os.Chown}
	for _, tn := range []TenantDir{
		{Namespace: "project1", UID: 10000, GID: 10000, MountPath: mp, SELinuxLevel: "s0:c1,c2"},
		{Namespace: "project2", UID: 10001, GID: 10001, MountPath: mp, SELinuxLevel: "s0:c3,c4"},
	} {
		var st Status
		require.NoError(t, ensureTenantDir(d, "tenants", tn, &st))
		dir := filepath.Join(target, tn.Namespace)
		assert.Equal(t, "system_u:object_r:container_file_t:"+tn.SELinuxLevel, selinuxLabel(t, dir), "label stored on XFS")
		fi, err := os.Stat(dir)
		require.NoError(t, err)
		assert.Equal(t, [2]int{int(tn.UID), int(tn.GID)}, uidGid(fi))
	}
}
