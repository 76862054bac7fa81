package agent

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// inUse reports why a present NVMe namespace must not be touched whatever the layout or
// allowInitialize says: it or one of its partitions is mounted (which includes the host's root
// and boot filesystems: /host in the agent's own mount table is the host's /), has holders
// (LVM, dm-crypt, md, multipath), or is active swap. An empty reason means none of these; an
// error means the check itself failed, which the caller treats as "in use".
func inUse(d Deps, node string, mounts []MountEntry) (string, error) {
	name := filepath.Base(node)
	dir := d.sys(filepath.Join("/sys/class/block", name))
	devs := map[string]string{} // major:minor -> kernel name
	parts := []string{name}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", dir, err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), name+"p") { // partitions are sub-directories of the disk
			parts = append(parts, e.Name())
		}
	}
	for _, p := range parts {
		pdir := dir
		if p != name {
			pdir = filepath.Join(dir, p)
		}
		b, err := os.ReadFile(filepath.Join(pdir, "dev"))
		if err != nil {
			return "", fmt.Errorf("reading the device number of %s: %w", p, err)
		}
		devs[strings.TrimSpace(string(b))] = p
		holders, err := os.ReadDir(filepath.Join(pdir, "holders"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("reading holders of %s: %w", p, err)
		}
		if len(holders) > 0 {
			var hs []string
			for _, h := range holders {
				hs = append(hs, h.Name())
			}
			return fmt.Sprintf("/dev/%s is held by %s (LVM, device-mapper, md or multipath)", p, strings.Join(hs, ", ")), nil
		}
	}
	for _, m := range mounts {
		if p, ok := devs[m.MajorMinor]; ok {
			what := "is mounted at " + m.MountPoint
			if isSystemMount(d, m.MountPoint) {
				what = "holds the node's root or boot filesystem (mounted at " + m.MountPoint + ")"
			}
			return fmt.Sprintf("/dev/%s %s", p, what), nil
		}
	}
	// A filesystem mounted in another mount namespace (a pod's private one) is not in this
	// agent's mount table, and a holder may not show in sysfs (a process that opened the device
	// exclusively): the kernel refuses O_EXCL (EBUSY) to any claimed block device, whoever holds it.
	for _, p := range parts {
		err := openExclusive(d.dev("/dev/" + p))
		switch {
		case err == nil, errors.Is(err, fs.ErrNotExist):
		case errors.Is(err, syscall.EBUSY):
			return fmt.Sprintf("/dev/%s is claimed by a user this agent cannot see (a filesystem mounted in another mount namespace, or an exclusive opener): the kernel refuses to open it exclusively", p), nil
		default:
			return "", fmt.Errorf("checking whether /dev/%s is claimed: %w", p, err)
		}
	}
	swaps, err := os.Open(d.swaps())
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil
		}
		return "", fmt.Errorf("reading swaps: %w", err)
	}
	defer swaps.Close()
	sc := bufio.NewScanner(swaps)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 0 && containsString(parts, filepath.Base(f[0])) {
			return fmt.Sprintf("%s is active swap", f[0]), nil
		}
	}
	return "", sc.Err()
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func (d Deps) swaps() string { return filepath.Join(d.SysRoot, "/proc/swaps") }

// isSystemMount reports mount points of the node's own system: /, /boot, /sysroot (RHCOS) and
// the same under the host root.
func isSystemMount(d Deps, mp string) bool {
	for _, root := range []string{"", d.HostRoot} {
		for _, sys := range []string{"/", "/boot", "/boot/efi", "/sysroot", "/var", "/usr"} {
			if mp == filepath.Clean(root+sys) {
				return true
			}
		}
	}
	return false
}
