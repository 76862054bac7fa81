package nodelayout

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// nestingByPairs is the definition Validate's nesting check must agree with: every virtual drive,
// in order, against every earlier accepted one, in order; a pair nests when one path is the
// other's ancestor.
func nestingByPairs(l *Layout) []string {
	var out, accepted []string
	seen := map[string]string{}
	for gi, g := range l.DriveGroups {
		for vi, v := range g.VirtualDrives {
			if _, dup := seen[v.MountPath]; dup {
				continue
			}
			vp := fmt.Sprintf("driveGroups[%d].virtualDrives[%d].mountPath", gi, vi)
			for _, other := range accepted {
				if strings.HasPrefix(v.MountPath+"/", other+"/") || strings.HasPrefix(other+"/", v.MountPath+"/") {
					out = append(out, fmt.Sprintf("%s: %s nests with %s (%s); mounts must not overlap", vp, v.MountPath, other, seen[other]))
				}
			}
			seen[v.MountPath] = vp
			accepted = append(accepted, v.MountPath)
		}
	}
	return out
}

// TestNestingMatchesPairwise checks the lookup-based nesting check against the pairwise
// definition on random trees of mount paths: ancestors and descendants in any order, siblings
// sharing a name prefix (vd1, vd10), duplicates, chains several levels deep.
func TestNestingMatchesPairwise(t *testing.T) {
	parts := []string{"a", "vd1", "vd10", "x"}
	rng := rand.New(rand.NewPCG(7, 11))
	for round := 0; round < 300; round++ {
		l := validLayout(t)
		g := &l.DriveGroups[0]
		g.VirtualDrives = nil
		for i := 0; i < 1+rng.IntN(10); i++ {
			p := "/var/mnt"
			for d := 0; d <= rng.IntN(4); d++ {
				p += "/" + parts[rng.IntN(len(parts))]
			}
			g.VirtualDrives = append(g.VirtualDrives, VirtualDrive{Size: "1Gi", Filesystem: "xfs", MountPath: p})
		}
		if n := len(g.VirtualDrives); n > 0 {
			g.VirtualDrives[n-1].Size = "100%"
		}
		var got []string
		if err := l.Validate(); err != nil {
			for _, line := range strings.Split(err.Error(), "\n") {
				if strings.Contains(line, " nests with ") {
					got = append(got, line)
				}
			}
		}
		if diff := cmp.Diff(nestingByPairs(l), got); diff != "" {
			t.Fatalf("round %d: nesting problems differ from the pairwise definition (-want +got):\n%s", round, diff)
		}
	}
}
