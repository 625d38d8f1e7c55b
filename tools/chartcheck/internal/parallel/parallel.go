// Package parallel spreads independent pieces of work over every CPU.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// For calls f(0), ..., f(n-1), each exactly once, on up to GOMAXPROCS
// goroutines, and returns when every call has. Each goroutine takes the
// next index when it is done with one, so a slow piece holds up only its
// own goroutine. f must be safe to call concurrently.
func For(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// Map returns f(0), ..., f(n-1) in order, computed as For does.
func Map[T any](n int, f func(i int) T) []T {
	out := make([]T, n)
	For(n, func(i int) { out[i] = f(i) })
	return out
}
