package agent

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// MountEntry is one line of /proc/<pid>/mountinfo (proc(5)).
type MountEntry struct {
	ID         int
	ParentID   int
	MajorMinor string
	Root       string
	MountPoint string
	Options    string
	Optional   []string // e.g. "shared:12", "master:3"
	FSType     string
	Source     string
	SuperOpts  string
}

// Shared reports whether the mount is in a shared peer group, i.e. mounts
// under it propagate to its peers (what Bidirectional propagation needs).
func (e MountEntry) Shared() bool {
	for _, o := range e.Optional {
		if strings.HasPrefix(o, "shared:") {
			return true
		}
	}
	return false
}

// ReadMountInfo parses a mountinfo file.
func ReadMountInfo(path string) ([]MountEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading mount table: %w", err)
	}
	defer f.Close()
	entries, err := ParseMountInfo(f)
	if err != nil {
		return nil, fmt.Errorf("reading mount table %s: %w", path, err)
	}
	return entries, nil
}

// ParseMountInfo parses mountinfo text.
func ParseMountInfo(r io.Reader) ([]MountEntry, error) {
	var out []MountEntry
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		sep := -1
		for i := 6; i < len(fields); i++ {
			if fields[i] == "-" {
				sep = i
				break
			}
		}
		if len(fields) < 7 || sep < 0 || len(fields) < sep+3 {
			return nil, fmt.Errorf("line %d: malformed mountinfo entry %q", line, sc.Text())
		}
		id, err1 := strconv.Atoi(fields[0])
		parent, err2 := strconv.Atoi(fields[1])
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("line %d: bad mount ids in %q", line, sc.Text())
		}
		e := MountEntry{
			ID: id, ParentID: parent, MajorMinor: fields[2],
			Root: unescapeMount(fields[3]), MountPoint: unescapeMount(fields[4]), Options: fields[5],
			Optional: fields[6:sep],
			FSType:   fields[sep+1], Source: unescapeMount(fields[sep+2]),
		}
		if len(fields) > sep+3 {
			e.SuperOpts = fields[sep+3]
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// unescapeMount undoes the kernel's octal escapes (\040 for space, ...).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// FindMount returns the top-most mount at mountPoint (the last one listed
// wins when mounts are stacked).
func FindMount(entries []MountEntry, mountPoint string) (MountEntry, bool) {
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].MountPoint == mountPoint {
			return entries[i], true
		}
	}
	return MountEntry{}, false
}
