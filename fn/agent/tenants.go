package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// TenantDirMode lets the tenant's user and group in and nobody else.
const TenantDirMode = 0o770

// ensureTenantDir creates HostRoot+mountPath/namespace owned by uid:gid
// with mode 0770, or corrects owner and mode of the directory itself
// (never recursively). Symlinks and non-directories are refused: a tenant
// must not be able to redirect the agent.
func ensureTenantDir(d Deps, where string, t TenantDir, st *Status) error {
	dir := filepath.Join(d.target(t.MountPath), t.Namespace)
	fi, err := os.Lstat(dir)
	created := false
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Mkdir(dir, TenantDirMode); err != nil {
			return fmt.Errorf("%s: creating %s: %w", where, dir, err)
		}
		created = true
		st.Changes = append(st.Changes, fmt.Sprintf("created tenant directory %s (%d:%d, 0770)", dir, t.UID, t.GID))
		if fi, err = os.Lstat(dir); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
	case err != nil:
		return fmt.Errorf("%s: %w", where, err)
	case !fi.IsDir():
		st.refuse(fmt.Sprintf("%s: %s exists but is not a directory (%s); refusing to use it", where, dir, fi.Mode().Type()))
		return nil
	}
	sys, _ := fi.Sys().(*syscall.Stat_t)
	if sys == nil || int64(sys.Uid) != t.UID || int64(sys.Gid) != t.GID {
		if err := d.Chown(dir, int(t.UID), int(t.GID)); err != nil {
			return fmt.Errorf("%s: chown %d:%d %s: %w", where, t.UID, t.GID, dir, err)
		}
		if !created {
			st.Changes = append(st.Changes, fmt.Sprintf("set owner of %s to %d:%d", dir, t.UID, t.GID))
		}
	}
	if fi.Mode().Perm() != TenantDirMode {
		// Mkdir is subject to the umask: set the mode explicitly.
		if err := os.Chmod(dir, TenantDirMode); err != nil {
			return fmt.Errorf("%s: chmod %s: %w", where, dir, err)
		}
		if !created {
			st.Changes = append(st.Changes, fmt.Sprintf("set mode of %s to 0770", dir))
		}
	}
	return labelTenantDir(where, dir, t, st)
}

// SELinuxXattr is the extended attribute holding a file's SELinux label.
const SELinuxXattr = "security.selinux"

// TenantLabel is the SELinux label of a tenant directory: the type containers may use, with
// the tenant's categories, so only processes running with those categories (the tenant's pods,
// by its SCC) can open it, whatever the modes say.
func TenantLabel(level string) string { return "system_u:object_r:container_file_t:" + level }

// labelTenantDir sets the directory's own label (not recursively: files the tenant's pods
// create inherit it from the directory, and relabelling a tree the tenant owns could be
// steered through links). lsetxattr never follows a link; ensureTenantDir has already refused
// anything but a directory. A volume mounted with a mount-wide context= option cannot carry
// per-file labels: the kernel refuses with EOPNOTSUPP, which is reported, not retried.
func labelTenantDir(where, dir string, t TenantDir, st *Status) error {
	if t.SELinuxLevel == "" {
		return nil
	}
	want := TenantLabel(t.SELinuxLevel)
	buf := make([]byte, 256)
	n, err := unix.Lgetxattr(dir, SELinuxXattr, buf)
	if err == nil && strings.TrimRight(string(buf[:n]), "\x00") == want {
		return nil
	}
	if err := unix.Lsetxattr(dir, SELinuxXattr, append([]byte(want), 0), 0); err != nil {
		if errors.Is(err, unix.EOPNOTSUPP) {
			st.refuse(fmt.Sprintf("%s: cannot label %s %s: the volume is mounted with a mount-wide SELinux context; per-tenant labels need the mount without context=", where, dir, want))
			return nil
		}
		return fmt.Errorf("%s: labelling %s %s: %w", where, dir, want, err)
	}
	st.Changes = append(st.Changes, fmt.Sprintf("labelled %s %s", dir, want))
	return nil
}
