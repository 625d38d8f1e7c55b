package parallel_test

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/doc-search/gitops/tools/chartcheck/internal/parallel"
)

func TestMap_KeepsOrderAndCallsEachIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 1000} {
		var calls sync.Map
		got := parallel.Map(n, func(i int) int {
			_, dup := calls.LoadOrStore(i, true)
			assert.False(t, dup, "index %d called twice", i)
			return i * i
		})
		want := make([]int, n)
		for i := range want {
			want[i] = i * i
		}
		assert.Equal(t, want, got, "n=%d", n)
	}
}

// TestFor_RunsConcurrently: with two CPUs, two calls are in flight at once.
func TestFor_RunsConcurrently(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	var inFlight atomic.Int32
	both := make(chan struct{})
	var once sync.Once
	parallel.For(2, func(int) {
		if inFlight.Add(1) == 2 {
			once.Do(func() { close(both) })
		}
		<-both // deadlocks, and the test times out, if the calls ran one after another
	})
	assert.Equal(t, int32(2), inFlight.Load())
}
