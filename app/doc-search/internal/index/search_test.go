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

	"github.com/doc-search/gitops/app/doc-search/internal/corpus"
	"github.com/doc-search/gitops/app/doc-search/internal/tokenize"
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

	// Match gets one Scratch for every query, as the server's are reused;
	// each result is scribbled over afterwards, and the previous query
	// asked again: no result may share the index's memory.
	var scratch Scratch
	var prev []string
	var prevWant []uint32
	for _, a := range vocab {
		for _, b := range vocab {
			for _, c := range vocab {
				var want []uint32
				for d := range uint32(docs) {
					if holds[a][d] && holds[b][d] && holds[c][d] {
						want = append(want, d)
					}
				}
				words := tokenize.Words(a + " " + b + " " + c)
				got := idx.Search(words)
				m := idx.Match(&scratch, words)
				var fromRuns []uint32
				for first, last := range m.Runs() {
					require.LessOrEqual(t, first, last)
					if n := len(fromRuns); n > 0 {
						require.Greater(t, first, fromRuns[n-1]+1, "runs %s %s %s are maximal", a, b, c)
					}
					for d := first; d <= last; d++ {
						fromRuns = append(fromRuns, d)
					}
				}
				if len(want) == 0 {
					assert.Empty(t, got, "%s %s %s", a, b, c)
					assert.Empty(t, fromRuns, "Match %s %s %s", a, b, c)
				} else {
					assert.Equal(t, want, got, "%s %s %s", a, b, c)
					assert.Equal(t, want, fromRuns, "Match %s %s %s", a, b, c)
				}
				assert.Equal(t, len(want), m.Len(), "%s %s %s", a, b, c)
				for i := range m.docs {
					m.docs[i] = ^uint32(0) // scribble: the index must not see it
				}
				for i := range m.bits {
					m.bits[i] = ^uint64(0)
				}
				if again := idx.Search(prev); len(prevWant) == 0 {
					assert.Empty(t, again, "the index after a result was overwritten")
				} else {
					assert.Equal(t, prevWant, again, "the index after a result was overwritten")
				}
				prev, prevWant = words, want
			}
		}
	}
}

func TestMatches_RunsOfABitmap(t *testing.T) {
	set := func(ds ...uint32) []uint64 {
		bm := make([]uint64, 4)
		for _, d := range ds {
			bm[d/64] |= 1 << (d % 64)
		}
		return bm
	}
	span := func(first, last uint32) []uint32 {
		var out []uint32
		for d := first; d <= last; d++ {
			out = append(out, d)
		}
		return out
	}
	tests := map[string]struct {
		docs []uint32
		want [][2]uint32
	}{
		"empty":                {nil, nil},
		"first and last bit":   {[]uint32{0, 255}, [][2]uint32{{0, 0}, {255, 255}}},
		"across a word":        {span(60, 70), [][2]uint32{{60, 70}}},
		"a full word and more": {append(span(63, 192), 194), [][2]uint32{{63, 192}, {194, 194}}},
		"every bit":            {span(0, 255), [][2]uint32{{0, 255}}},
		"alternate bits":       {[]uint32{1, 3, 5}, [][2]uint32{{1, 1}, {3, 3}, {5, 5}}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m := Matches{bits: set(tc.docs...), n: len(tc.docs)}
			var got [][2]uint32
			for first, last := range m.Runs() {
				got = append(got, [2]uint32{first, last})
			}
			assert.Equal(t, tc.want, got)
			if len(tc.docs) > 0 {
				assert.Equal(t, tc.docs, m.Docs())
			} else {
				assert.Empty(t, m.Docs())
			}
			// The same runs from the list form.
			got = nil
			for first, last := range (Matches{docs: tc.docs, n: len(tc.docs)}).Runs() {
				got = append(got, [2]uint32{first, last})
			}
			assert.Equal(t, tc.want, got)
		})
	}
}
