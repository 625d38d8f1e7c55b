// Package hugeheap asks Linux to back the Go heap with transparent huge
// pages for a short-lived process whose heap grows fast.
//
// chartcheck's heap grows from nothing to 100-200 MB within a few hundred
// milliseconds, and nearly all of it stays live until the report is
// written. Go does not request huge pages for its heap, so on a host where
// transparent huge pages are "madvise" (the common default) every 4 KiB of
// that growth is a page fault; on virtual machines a fault costs several
// microseconds, and on the real-world chart corpus faults were a third of
// chartcheck's CPU time. One 2 MiB fault replaces 512 of them.
package hugeheap

// DefaultSize is what the chartcheck commands that render or check
// reserve: more than the heap of a check of the real-world corpus.
const DefaultSize = 256 << 20

// Range is an address range [Start, End).
type Range struct{ Start, End uintptr }

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
