package config

import (
	"fmt"
	"hash/fnv"
	"strconv"
)

// MaxMCSCategory is the highest SELinux MCS category of the targeted policy (c0.c1023).
const MaxMCSCategory = 1023

// DerivedSELinuxLevel is the tenant's default MCS level: two distinct categories taken from an
// FNV-1a hash of the namespace name, so the level stays the same whatever other tenants are
// added or removed. Two names may hash to the same pair (1 in 523,776); validation reports
// that and the config then sets seLinuxLevel for one of them.
func DerivedSELinuxLevel(namespace string) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(namespace))
	sum := h.Sum64()
	a := int(sum % (MaxMCSCategory + 1))
	b := int((sum / (MaxMCSCategory + 1)) % MaxMCSCategory)
	if b >= a {
		b++ // b ranges over every category except a
	}
	if a > b {
		a, b = b, a
	}
	return fmt.Sprintf("s0:c%d,c%d", a, b)
}

var mcsLevelRe = lazyRE(`^s0:c(0|[1-9][0-9]{0,3}),c(0|[1-9][0-9]{0,3})$`)

// ParseMCSLevel returns the two categories of s0:cA,cB, A < B <= MaxMCSCategory.
func ParseMCSLevel(level string) (int, int, error) {
	m := mcsLevelRe.FindStringSubmatch(level)
	if m == nil {
		return 0, 0, fmt.Errorf("must be s0:cA,cB (two categories, e.g. s0:c12,c345)")
	}
	a, _ := strconv.Atoi(m[1])
	b, _ := strconv.Atoi(m[2])
	if a >= b || b > MaxMCSCategory {
		return 0, 0, fmt.Errorf("categories must be distinct, in ascending order and at most c%d (as OpenShift writes them, e.g. s0:c12,c345)", MaxMCSCategory)
	}
	return a, b, nil
}
