//go:build !linux

package hugeheap

// Marked finds no marked ranges where there is no /proc/self/smaps.
func Marked() ([]Range, error) { return nil, nil }
