//go:build !linux

package hugeheap

// Reserve does nothing where there is no madvise(MADV_HUGEPAGE).
func Reserve(size int) ([]Range, error) { return nil, nil }
