package rules

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestRegister_ChecksAreNamedForTheirRule: load accepts a check only when
// its function is named check + the rule's ID in CamelCase, which a closure
// never is.
func TestRegister_ChecksAreNamedForTheirRule(t *testing.T) {
	assert.Equal(t, "checkProbeReadinessMissing", CheckName("probe-readiness-missing"))
	assert.Equal(t, "checkHpaReplicasSet", CheckName("hpa-replicas-set"))
	assert.Equal(t, "checkImageTagLatest", funcName(checkImageTagLatest))
	assert.NotEqual(t, CheckName("image-tag-latest"), funcName(func(*Cluster) {}))
	for id, f := range checks {
		assert.Equal(t, CheckName(id), funcName(f), id)
	}
}
