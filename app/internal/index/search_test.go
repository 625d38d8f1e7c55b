package index

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestIntersect(t *testing.T) {
	tests := []struct {
		name string
		a, b []uint32
		want []uint32
	}{
		{"both empty", nil, nil, nil},
		{"one empty", []uint32{1, 2}, nil, nil},
		{"disjoint", []uint32{1, 3, 5}, []uint32{2, 4, 6}, nil},
		{"identical", []uint32{1, 2, 3}, []uint32{1, 2, 3}, []uint32{1, 2, 3}},
		{"short in long", []uint32{5, 900}, []uint32{1, 2, 3, 4, 5, 6, 7, 100, 899, 900, 901}, []uint32{5, 900}},
		{"first and last", []uint32{0, 1000}, []uint32{0, 1, 2, 999, 1000}, []uint32{0, 1000}},
		{"past the end", []uint32{7, 8}, []uint32{1, 2, 3}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, Intersect(nil, tt.a, tt.b))
			assert.Equal(t, tt.want, Intersect(nil, tt.b, tt.a), "order of the lists must not matter")
		})
	}
}

func TestIntersect_MatchesNaiveOnRandomLists(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	randomList := func(n, max int) []uint32 {
		set := map[uint32]bool{}
		for range n {
			set[uint32(rng.IntN(max))] = true
		}
		var l []uint32
		for v := range set {
			l = append(l, v)
		}
		slices.Sort(l)
		return l
	}
	for i := range 400 {
		// Half the pairs have similar lengths (merged), half not (galloped).
		a, b := randomList(rng.IntN(50), 1000), randomList(rng.IntN(800), 1000)
		if i%2 == 0 {
			b = randomList(rng.IntN(100), 1000)
		}
		var want []uint32
		for _, v := range a {
			if _, ok := slices.BinarySearch(b, v); ok {
				want = append(want, v)
			}
		}
		assert.Equal(t, want, Intersect(nil, a, b))
		// In place, as Search does it.
		c := slices.Clone(a)
		got := Intersect(c[:0], c, b)
		if len(want) == 0 {
			assert.Empty(t, got)
		} else {
			assert.Equal(t, want, got)
		}
	}
}

func TestGallop_FindsFirstNotLess(t *testing.T) {
	b := []uint32{2, 4, 6, 8, 10, 12, 14, 16, 18, 20}
	for lo := range len(b) + 1 {
		for v := uint32(0); v <= 22; v++ {
			want := lo
			for want < len(b) && b[want] < v {
				want++
			}
			assert.Equal(t, want, gallop(b, lo, v), "lo=%d v=%d", lo, v)
		}
	}
}
