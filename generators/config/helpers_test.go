package config

import "encoding/json"

// DeepCopyForTest copies through JSON; good enough for comparing defaulted configs.
func (c *SupremeRAID) DeepCopyForTest() *SupremeRAID {
	b, err := json.Marshal(c)
	if err != nil {
		panic(err)
	}
	out := &SupremeRAID{}
	if err := json.Unmarshal(b, out); err != nil {
		panic(err)
	}
	return out
}
