package index

import (
	"syscall"
	"unsafe"
)

// hugeSlotBytes is the table size from which slots get their own mapping
// backed by transparent huge pages: a lookup lands on a random slot, and with
// 4 KiB pages nearly every one of them also misses the TLB.
const hugeSlotBytes = 8 << 20

// allocSlots returns n zeroed slots and whether they are mapped outside the
// Go heap (then freeSlots must release them).
func allocSlots(n int) ([]slot, bool) {
	size := n * int(unsafe.Sizeof(slot{}))
	if size < hugeSlotBytes {
		return make([]slot, n), false
	}
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]slot, n), false
	}
	_ = syscall.Madvise(mem, syscall.MADV_HUGEPAGE) // a hint: without it, plain pages
	return unsafe.Slice((*slot)(unsafe.Pointer(&mem[0])), n), true
}

func freeSlots(s []slot) {
	size := len(s) * int(unsafe.Sizeof(slot{}))
	_ = syscall.Munmap(unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), size))
}
