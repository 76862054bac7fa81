package graidctl

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// FormatIDList renders PD ids the way `graidctl create dg raid5 0-3` takes
// them: contiguous runs as "a-b", runs joined by commas. The documented form
// is a single range; comma lists are only used when the ids are not
// contiguous (an assumption, see the package comment).
func FormatIDList(ids []int) string {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	var parts []string
	for i := 0; i < len(sorted); {
		j := i
		for j+1 < len(sorted) && sorted[j+1] == sorted[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, strconv.Itoa(sorted[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", sorted[i], sorted[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// ParseIDList is the inverse of FormatIDList ("0-3", "0,2-3"); it rejects
// empty items, reversed ranges and negative numbers.
func ParseIDList(s string) ([]int, error) {
	if s == "" {
		return nil, fmt.Errorf("empty id list")
	}
	var ids []int
	for _, item := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("id list %q: %q is not a non-negative integer", s, lo)
		}
		b := a
		if isRange {
			b, err = strconv.Atoi(hi)
			if err != nil || b < a {
				return nil, fmt.Errorf("id list %q: bad range %q", s, item)
			}
		}
		for id := a; id <= b; id++ {
			ids = append(ids, id)
		}
	}
	return ids, nil
}
