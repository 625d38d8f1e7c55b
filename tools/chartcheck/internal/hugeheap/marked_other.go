//go:build !linux

package hugeheap

// Marked finds no marked ranges where there is no /proc/self/smaps.
func Marked() ([]Range, error) { return nil, nil }

// Covered is how many bytes of r lie in the ranges of marked.
func Covered(r Range, marked []Range) uintptr {
	n := uintptr(0)
	for _, m := range marked {
		if lo, hi := max(m.Start, r.Start), min(m.End, r.End); lo < hi {
			n += hi - lo
		}
	}
	return n
}
