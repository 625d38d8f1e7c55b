package index

import (
	"fmt"
	"hash/maphash"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTermTable_KeepsWordsApartAndDeduplicatesPerDocument(t *testing.T) {
	tab := newTermTable(maphash.MakeSeed())
	words := []string{"a", "ab", "abcdefgh", "abcdefghi", "abcdefghj", "abcdefghij", "é", "x"}
	for doc := range uint32(3) {
		for _, w := range words {
			tab.add([]byte(w), doc)
			tab.add([]byte(w), doc) // twice in the same document: one posting
		}
	}
	tab.add([]byte("late"), 9)
	require.Len(t, tab.terms, len(words)+1)
	var scratch [8]byte
	for n, w := range words {
		assert.Equal(t, w, string(tab.word(n, &scratch)))
		assert.Equal(t, []uint32{0, 1, 2}, tab.terms[n].postings, w)
	}
	assert.Equal(t, []uint32{9}, tab.terms[len(words)].postings)
}

func TestTermTable_GrowsWithoutLosingTerms(t *testing.T) {
	tab := newTermTable(maphash.MakeSeed())
	const n = 200_000 // several doublings past the initial 65,536 slots
	for i := range n {
		tab.add(fmt.Appendf(nil, "w%d", i), uint32(i%7))
	}
	for i := range n {
		tab.add(fmt.Appendf(nil, "w%d", i), 100)
	}
	require.Len(t, tab.terms, n)
	var scratch [8]byte
	for i := 0; i < n; i += 997 {
		assert.Equal(t, fmt.Sprintf("w%d", i), string(tab.word(i, &scratch)))
		assert.Equal(t, []uint32{uint32(i % 7), 100}, tab.terms[i].postings)
	}
	assert.LessOrEqual(t, 2*len(tab.terms), len(tab.slots), "load stays under one half")
}
