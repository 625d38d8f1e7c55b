// Package atstart reserves a huge-page heap (see package hugeheap) as the
// program starts: importing it is enough.
//
// A chartcheck process spends its first ~80 ms initialising the packages
// it links, on one CPU, and their allocations alone fault in about 2,000
// pages. This package's init runs a third of the way through that, and it
// starts the reservation on a goroutine, so the rest of package
// initialisation already allocates into huge pages while the other CPU
// does the reserving. Reserving at the start of a command instead, after
// package initialisation, made `chartcheck render` of ten Applications
// take a median 0.13-0.14 s instead of 0.12 s, on 2 CPUs.
package atstart

import "github.com/doc-search/gitops/tools/chartcheck/internal/hugeheap"

type result struct {
	ranges []hugeheap.Range
	err    error
}

var done = make(chan result, 1)

func init() {
	go func() {
		ranges, err := hugeheap.Reserve(hugeheap.DefaultSize)
		done <- result{ranges, err}
	}()
}

// Wait returns what the reservation marked, once it has finished. It is
// for tests and diagnostics: nothing needs to wait for it.
func Wait() ([]hugeheap.Range, error) {
	r := <-done
	done <- r
	return r.ranges, r.err
}
