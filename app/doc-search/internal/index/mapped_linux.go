package index

import (
	"syscall"
	"unsafe"
)

// hugeMapBytes is the size from which an array gets its own mapping backed
// by transparent huge pages: a dictionary lookup lands on a random slot, and
// with 4 KiB pages nearly every one of them also misses the TLB; a large
// array filled once takes one page fault per 2 MiB instead of per 4 KiB.
const hugeMapBytes = 8 << 20

// allocMapped returns n zeroed values and whether they are mapped outside the
// Go heap (then freeMapped must release them). T must hold no pointers: the
// garbage collector does not see mapped memory.
func allocMapped[T any](n int) ([]T, bool) {
	size := n * int(unsafe.Sizeof(*new(T)))
	if size < hugeMapBytes {
		return make([]T, n), false
	}
	mem, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return make([]T, n), false
	}
	_ = syscall.Madvise(mem, syscall.MADV_HUGEPAGE) // a hint: without it, plain pages
	return unsafe.Slice((*T)(unsafe.Pointer(&mem[0])), n), true
}

func freeMapped[T any](s []T) {
	size := cap(s) * int(unsafe.Sizeof(*new(T)))
	_ = syscall.Munmap(unsafe.Slice((*byte)(unsafe.Pointer(unsafe.SliceData(s))), size))
}

// adviseHuge asks for transparent huge pages under a large array of the Go
// heap that has not been touched yet, such as a fresh make: it is then
// faulted in 2 MiB at a time instead of 4 KiB. Only a hint: the memory stays
// the Go heap's, and without the hint it gets plain pages.
func adviseHuge[T any](s []T) {
	size := cap(s) * int(unsafe.Sizeof(*new(T)))
	if size < hugeMapBytes {
		return
	}
	base := unsafe.Pointer(unsafe.SliceData(s))
	start := uintptr(base)
	const huge = 2 << 20
	from, to := (start+huge-1)&^(huge-1), (start+uintptr(size))&^(huge-1)
	if from >= to {
		return
	}
	_ = syscall.Madvise(unsafe.Slice((*byte)(unsafe.Add(base, from-start)), to-from), syscall.MADV_HUGEPAGE)
}
