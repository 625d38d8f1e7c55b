//go:build linux

package hugeheap

import (
	"errors"
	"fmt"
	"runtime"
	"runtime/debug"
	"unsafe"

	"golang.org/x/sys/unix"
)

// chunk is the size of each allocation Reserve makes. One allocation of the
// whole size would be zeroed in full, touching every 4 KiB page before the
// advice, whenever it happened to start in memory the heap had used
// before; a chunk that lands there is zeroed alone, and its pages are
// already mapped.
const chunk = 4 << 20

// Reserve grows the heap by about size bytes, in chunks, marks each chunk's
// address range MADV_HUGEPAGE, and frees them all with a garbage
// collection. The runtime hands out free heap pages lowest address first,
// so the objects allocated next land in the marked ranges, which the kernel
// then fills with huge pages as they are touched. Nothing is touched here:
// fresh ranges cost address space, not memory.
//
// It returns the ranges it marked. A kernel without transparent huge pages
// refuses the advice; that only costs the speed-up, and the error says so.
func Reserve(size int) ([]Range, error) {
	// No collection while the chunks are allocated: a cycle started by
	// the first of them would make every later one wait on it.
	gcPercent := debug.SetGCPercent(-1)
	held := make([][]byte, 0, size/chunk)
	var ranges []Range
	var errs []error
	for n := 0; n < size; n += chunk {
		b := make([]byte, chunk)
		held = append(held, b)
		start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
		if err := unix.Madvise(b, unix.MADV_HUGEPAGE); err != nil {
			errs = append(errs, err)
			continue
		}
		ranges = append(ranges, Range{Start: start, End: start + chunk})
	}
	held = nil
	debug.SetGCPercent(gcPercent)
	// Collect now, while the heap is small, so the ranges are free for
	// what comes next rather than held until the next cycle.
	runtime.GC()
	if err := errors.Join(errs...); err != nil {
		return ranges, fmt.Errorf("advising huge pages for the heap: %w", err)
	}
	return ranges, nil
}
