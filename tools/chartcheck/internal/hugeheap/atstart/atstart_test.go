package atstart

import (
	"os"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestImport_RaisesGOGCUnlessSet(t *testing.T) {
	_, _ = Wait() // the reservation turns collection off while it runs
	got := debug.SetGCPercent(-1)
	debug.SetGCPercent(got)
	// The test binary's own environment decides which case this is.
	if v, set := os.LookupEnv("GOGC"); set {
		t.Skipf("GOGC=%s is set: the package leaves it", v)
	}
	assert.Equal(t, gcPercent, got)
}
