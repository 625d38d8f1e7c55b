//go:build linux

package hugeheap

import (
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Reserve grows the heap by size bytes in one allocation, marks that
// address range MADV_HUGEPAGE, and frees it with a garbage collection.
// The runtime hands out free heap pages lowest address first, so the
// objects allocated next land in the marked range, which the kernel then
// fills with huge pages as they are touched. Nothing is touched here: the
// fresh range costs address space, not memory.
//
// It returns the range it marked. A kernel without transparent huge pages
// refuses the advice; that only costs the speed-up, and the error says so.
func Reserve(size int) (start, end uintptr, err error) {
	b := make([]byte, size)
	start = uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	end = start + uintptr(size)
	err = unix.Madvise(b, unix.MADV_HUGEPAGE)
	b = nil
	// Collect now, while the heap is small, so the range is free for
	// what comes next rather than held until the next cycle.
	runtime.GC()
	if err != nil {
		return start, end, fmt.Errorf("advising huge pages for the heap: %w", err)
	}
	return start, end, nil
}
