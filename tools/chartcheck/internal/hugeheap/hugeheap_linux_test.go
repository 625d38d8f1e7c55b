//go:build linux

package hugeheap

import (
	"bufio"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReserve_MarksTheRangeForHugePages reads the process's own memory map:
// the reserved range must lie in mappings whose flags include "hg"
// (VM_HUGEPAGE), and the objects allocated next must come from that range.
// It runs in a fresh copy of the test binary, as chartcheck calls Reserve
// early in a fresh process: in a process that has already freed heap below
// the range, new objects go there first.
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

	marked := hugeRanges(t)
	for _, r := range ranges {
		covered := uintptr(0)
		for _, m := range marked {
			lo, hi := max(m[0], r.Start), min(m[1], r.End)
			if lo < hi {
				covered += hi - lo
			}
		}
		assert.Equal(t, r.End-r.Start, covered, "reserved range %#x-%#x, VM_HUGEPAGE mappings %x", r.Start, r.End, marked)
	}

	// What is allocated next lands in the freed range once the free
	// pages below it are used up: keep 32 MiB live and count where.
	var live [][]byte
	inside := 0
	for range 32 {
		b := make([]byte, 1<<20)
		live = append(live, b)
		p := uintptr(unsafePointer(b))
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

// hugeRanges lists the address ranges of /proc/self/smaps whose VmFlags
// include "hg".
func hugeRanges(t *testing.T) [][2]uintptr {
	f, err := os.Open("/proc/self/smaps")
	require.NoError(t, err)
	defer f.Close()
	var out [][2]uintptr
	var cur [2]uintptr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) > 0 && strings.Contains(fields[0], "-") && !strings.HasSuffix(fields[0], ":") {
			lo, hi, _ := strings.Cut(fields[0], "-")
			a, err1 := strconv.ParseUint(lo, 16, 64)
			b, err2 := strconv.ParseUint(hi, 16, 64)
			if err1 == nil && err2 == nil {
				cur = [2]uintptr{uintptr(a), uintptr(b)}
			}
			continue
		}
		if strings.HasPrefix(line, "VmFlags:") && strings.Contains(" "+strings.TrimPrefix(line, "VmFlags:")+" ", " hg ") {
			out = append(out, cur)
		}
	}
	require.NoError(t, sc.Err())
	return out
}

const childEnv = "HUGEHEAP_TEST_CHILD"
