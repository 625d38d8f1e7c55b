package index

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/internal/corpus"
	"github.com/doc-search/gitops/app/internal/tokenize"
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

// Queries mixing common words (bitmaps), mid and rare ones (lists) must give
// exactly the documents holding all of them.
func TestSearch_MatchesNaiveWithCommonAndRareWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const docs = 400
	share := map[string]float64{"c1": 0.95, "c2": 0.9, "c3": 0.6, "m1": 0.2, "m2": 0.1, "r1": 0.02, "r2": 0.01, "r3": 0.005}
	vocab := slices.Sorted(maps.Keys(share))
	fsys := fstest.MapFS{}
	holds := map[string]map[uint32]bool{}
	for d := range docs {
		var b strings.Builder
		for _, w := range vocab {
			if rng.Float64() < share[w] {
				b.WriteString(w + " ")
				if holds[w] == nil {
					holds[w] = map[uint32]bool{}
				}
				holds[w][uint32(d)] = true
			}
		}
		fsys[fmt.Sprintf("%d.doc.txt", d)] = &fstest.MapFile{Data: []byte(b.String() + "filler")}
	}
	docsList, err := corpus.List(fsys)
	require.NoError(t, err)
	idx, err := Build(context.Background(), fsys, docsList, Options{})
	require.NoError(t, err)
	require.Contains(t, idx.dense, func() uint32 { n, _ := idx.dict.find([]byte("c1")); return n }(), "c1 is common enough for a bitmap")

	for _, a := range vocab {
		for _, b := range vocab {
			for _, c := range vocab {
				var want []uint32
				for d := range uint32(docs) {
					if holds[a][d] && holds[b][d] && holds[c][d] {
						want = append(want, d)
					}
				}
				got := idx.Search(tokenize.Words(a + " " + b + " " + c))
				if len(want) == 0 {
					assert.Empty(t, got, "%s %s %s", a, b, c)
				} else {
					assert.Equal(t, want, got, "%s %s %s", a, b, c)
				}
			}
		}
	}
}
