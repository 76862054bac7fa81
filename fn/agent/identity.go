package agent

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"strings"
)

// readDriveID reads the stable identity of an NVMe namespace from sysfs. The WWID is required:
// a drive that cannot be identified is never used.
func readDriveID(d Deps, node string) (DriveID, error) {
	dir := d.sys(filepath.Join("/sys/class/block", filepath.Base(node)))
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return ""
		}
		return strings.TrimSpace(string(b))
	}
	b, err := os.ReadFile(filepath.Join(dir, "wwid"))
	if err != nil {
		return DriveID{}, err
	}
	id := DriveID{Wwid: strings.TrimSpace(string(b)), NGUID: read("nguid"), EUI64: read("eui"), Serial: read("device/serial")}
	if id.Wwid == "" {
		return DriveID{}, errors.New("empty wwid")
	}
	return id, nil
}

// findByIdentity scans the NVMe namespaces in sysfs for a wwid: or serial: name. fs.ErrNotExist
// means no present namespace carries it (for example because it is a PD now).
func findByIdentity(d Deps, name string) (string, error) {
	kind, value, _ := strings.Cut(name, ":")
	entries, err := os.ReadDir(d.sys("/sys/class/block"))
	if err != nil {
		return "", fmt.Errorf("listing block devices: %w", err)
	}
	var found []string
	for _, e := range entries {
		node := "/dev/" + e.Name()
		if !isKernelName(node) {
			continue
		}
		id, err := readDriveID(d, node)
		if err != nil {
			continue
		}
		if (kind == "wwid" && id.Wwid == value) || (kind == "serial" && id.Serial == value) {
			found = append(found, node)
		}
	}
	switch len(found) {
	case 0:
		return "", fs.ErrNotExist
	case 1:
		if _, err := os.Stat(d.dev(found[0])); err != nil {
			return "", err
		}
		return found[0], nil
	}
	return "", fmt.Errorf("%s matches several namespaces %v; name the namespace by its wwid: instead", name, found)
}

// wwidPrefixes are how the kernel's NVMe wwid attribute starts (NGUID, EUI-64, or the vendor,
// serial, model and namespace id); udev names the by-id link nvme-<wwid> after it.
var wwidPrefixes = []string{"eui.", "nvme.", "naa.", "uuid."}

// linkedWwid returns the WWID a /dev/disk/by-id/nvme-<wwid> name carries, if it is such a name.
func linkedWwid(device string) (string, bool) {
	if !strings.HasPrefix(device, "/dev/disk/by-id/nvme-") {
		return "", false
	}
	w := strings.TrimPrefix(device, "/dev/disk/by-id/nvme-")
	for _, p := range wwidPrefixes {
		if strings.HasPrefix(w, p) {
			return w, true
		}
	}
	return "", false
}

// checkLinkIdentity refuses a by-id link whose name says one WWID while the namespace it
// resolves to has another: a link udev has not updated after a swap names the wrong SSD, and
// allowInitialize given for the named SSD must never reach another one.
func checkLinkIdentity(device, node string, id DriveID) error {
	if want, ok := linkedWwid(device); ok && want != id.Wwid {
		return fmt.Errorf("%s names WWID %s but resolves to %s, whose WWID is %s: the link is stale (an SSD swapped or renamed); refusing to guess which SSD is meant", device, want, node, id.Wwid)
	}
	return nil
}

// recheckDrive checks a drive planned for create pd once more, right before the create: the
// configured name must still resolve to the same namespace with the same WWID, the host must
// still not use it, and it must still be blank unless allowInitialize names it. The facts the
// plan was made from are a few graidctl commands old.
func recheckDrive(ctx context.Context, d Deps, dr drivePlan) error {
	changed := func(format string, args ...any) error {
		return fmt.Errorf("%s changed since it was probed: %s; nothing more is created in this pass", dr.Device, fmt.Sprintf(format, args...))
	}
	node, err := resolveDrive(d, dr.Device)
	if err != nil {
		return changed("resolving it again: %v", err)
	}
	if node != dr.Node {
		return changed("it now resolves to %s, not %s", node, dr.Node)
	}
	id, err := readDriveID(d, node)
	if err != nil {
		return changed("reading its identity again: %v", err)
	}
	if id.Wwid != dr.Wwid {
		return changed("%s now has WWID %s, not %s (another SSD took the name)", node, id.Wwid, dr.Wwid)
	}
	if id != dr.ID {
		// Same WWID, other NGUID, EUI-64 or serial: not the SSD that was probed.
		return changed("%s now identifies as %+v, not %+v", node, id, dr.ID)
	}
	if err := checkLinkIdentity(dr.Device, node, id); err != nil {
		return changed("%v", err)
	}
	mounts, err := ReadMountInfo(d.MountInfo)
	if err != nil {
		return changed("reading the mount table: %v", err)
	}
	if why, err := inUse(d, node, mounts); err != nil || why != "" {
		return changed("in use: %s%v", why, orNil(err))
	}
	sig, err := d.Prober.Probe(ctx, d.dev(node))
	if err != nil {
		return changed("probing it again: %v", err)
	}
	if !sig.Empty() && !dr.Allow {
		return changed("it now holds %s", sig)
	}
	return nil
}

func orNil(err error) any {
	if err == nil {
		return ""
	}
	return err
}
