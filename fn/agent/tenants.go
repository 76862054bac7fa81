package agent

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
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
	return nil
}
