//go:build linux

package hugeheap

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReserve_MarksTheRangeForHugePages reads the process's own memory map:
// the reserved ranges must lie in mappings whose flags include "hg"
// (VM_HUGEPAGE), and the objects allocated next must come from them. It
// runs in a fresh copy of the test binary, as chartcheck reserves early in
// a fresh process: in a process that has already freed heap below the
// ranges, new objects go there first.
func TestReserve_MarksTheRangeForHugePages(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/mm/transparent_hugepage/enabled"); err != nil {
		t.Skip("this kernel has no transparent huge pages")
	}
	if os.Getenv(childEnv) == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^"+t.Name()+"$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), childEnv+"=1")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		require.Contains(t, string(out), "--- PASS", "%s", out)
		return
	}

	const size = 64 << 20
	ranges, err := Reserve(size)
	require.NoError(t, err)
	require.Len(t, ranges, size/chunk)
	marked, err := Marked()
	require.NoError(t, err)
	for _, r := range ranges {
		assert.Equal(t, r.End-r.Start, Covered(r, marked), "reserved range %#x-%#x, marked %x", r.Start, r.End, marked)
	}

	// What is allocated next lands in the freed ranges once the free
	// pages below them are used up: keep 32 MiB live and count where.
	var live [][]byte
	inside := 0
	for range 32 {
		b := make([]byte, 1<<20)
		live = append(live, b)
		p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		for _, r := range ranges {
			if p >= r.Start && p < r.End {
				inside++
				break
			}
		}
	}
	assert.GreaterOrEqual(t, inside, 16, "MiB-sized allocations inside the reserved ranges")
	runtime.KeepAlive(live)
}

const childEnv = "HUGEHEAP_TEST_CHILD"
