package agent

import (
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
