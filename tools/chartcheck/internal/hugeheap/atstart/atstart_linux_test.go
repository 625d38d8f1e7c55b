//go:build linux

package atstart

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/tools/chartcheck/internal/hugeheap"
)

func TestImport_ReservesAHugePageHeap(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages")
	}
	ranges, err := Wait()
	require.NoError(t, err)
	total := uintptr(0)
	for _, r := range ranges {
		total += r.End - r.Start
	}
	assert.Equal(t, uintptr(hugeheap.DefaultSize), total)
	marked, err := hugeheap.Marked()
	require.NoError(t, err)
	for _, r := range ranges {
		assert.Equal(t, r.End-r.Start, hugeheap.Covered(r, marked), "range %#x-%#x", r.Start, r.End)
	}
}
