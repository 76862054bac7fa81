package config

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// nestingByPairs is the obvious quadratic definition validateNesting must agree with: every
// (inner, outer) pair where inner lies below outer, inner in sorted order, outers in sorted order.
func nestingByPairs(mounts map[string]*field.Path) []string {
	var out []string
	paths := sortedKeys(mounts)
	for _, inner := range paths {
		for _, outer := range paths {
			if inner != outer && strings.HasPrefix(inner, outer+"/") {
				out = append(out, mounts[inner].String()+" inside "+outer+" at "+mounts[outer].String())
			}
		}
	}
	return out
}

// TestValidateNestingMatchesPairwise checks the parent-directory lookup against the pairwise
// definition on random trees of clean paths, including siblings that share a name prefix
// (/var/a/vd1 and /var/a/vd10 are not nested) and chains several levels deep.
func TestValidateNestingMatchesPairwise(t *testing.T) {
	parts := []string{"a", "b", "vd1", "vd10", "vd1x"}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 500; round++ {
		mounts := map[string]*field.Path{}
		for i := 0; i < 1+rng.IntN(12); i++ {
			p := "/var"
			for d := 0; d <= rng.IntN(4); d++ {
				p += "/" + parts[rng.IntN(len(parts))]
			}
			mounts[p] = field.NewPath("spec", "raid", "driveGroups").Index(0).Child("virtualDrives").Index(i).Child("mountPath")
		}
		var got []string
		for _, e := range validateNesting(mounts) {
			// "must not lie inside another virtual drive's mountPath (OUTER at PATH)"
			_, rest, _ := strings.Cut(e.Detail, "(")
			outer, at, _ := strings.Cut(strings.TrimSuffix(rest, ")"), " at ")
			got = append(got, e.Field+" inside "+outer+" at "+at)
		}
		if diff := cmp.Diff(nestingByPairs(mounts), got); diff != "" {
			t.Fatalf("round %d, mounts %v: validateNesting differs from the pairwise definition (-want +got):\n%s", round, fmt.Sprint(sortedKeys(mounts)), diff)
		}
	}
}
