// Package requiretool lets integration tests demand the real programs they
// drive (prometheus, promtool, hey): skipped on a developer machine that lacks
// them, a failure in CI, where scripts/install-deps.sh must have installed them.
package requiretool

import (
	"os"
	"os/exec"
	"testing"
)

// Binaries skips t (or fails it when CI=true) unless every name is on PATH.
func Binaries(t testing.TB, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not on PATH; in CI scripts/install-deps.sh installs it", name)
			}
			t.Skipf("%s is not on PATH (make deps installs it); skipping", name)
		}
	}
}
