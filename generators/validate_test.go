package generators

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"supremeraid.dev/supremeraid-fn/generators/config"
	"supremeraid.dev/supremeraid-fn/generators/internal/testconfig"
)

// TestValidateRunsFamilyRules: the pipeline's Validate reports the config's own problems and
// then each family's (here KMM's name limit, which only the kmm family knows), all at once.
func TestValidateRunsFamilyRules(t *testing.T) {
	cfg := testconfig.Valid(t, nil)
	cfg.Name = strings.Repeat("n", 20)
	cfg.Spec.Namespace = strings.Repeat("s", 21)
	cfg.Spec.RAID.DriveGroups[0].RAIDLevel = config.RAIDLevel("raid7")
	var paths []string
	for _, e := range Validate(cfg) {
		paths = append(paths, e.Field)
	}
	assert.Equal(t, []string{"spec.raid.driveGroups[0].raidLevel", "spec.namespace"}, paths)
}
