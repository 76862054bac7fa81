package node

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
)

// DataHash is the sha256 of a ConfigMap's data, keys in sorted order and each key and value
// length-prefixed, so no two different maps hash alike and map order never matters.
func DataHash(data map[string]string) string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	h := sha256.New()
	for _, k := range keys {
		for _, s := range []string{k, data[k]} {
			h.Write([]byte(strconv.Itoa(len(s))))
			h.Write([]byte{':'})
			h.Write([]byte(s))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
