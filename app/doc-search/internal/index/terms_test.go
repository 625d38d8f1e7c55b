package index

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDict_KeepsWordsApart(t *testing.T) {
	d := newDict(maphash.MakeSeed(), 0)
	words := []string{"a", "ab", "abcdefgh", "abcdefghi", "abcdefghijklmnop", "abcdefghijklmnopq", "abcdefghijklmnopr", "abcdefghijklmnopqrstuvwxyz", "é", "x"}
	for _, w := range words {
		d.intern([]byte(w))
	}
	for _, w := range words {
		d.intern([]byte(w)) // again: same numbers
	}
	require.Equal(t, len(words), d.len())
	var scratch [16]byte
	for n, w := range words {
		assert.Equal(t, w, string(d.word(uint32(n), &scratch)))
		got, ok := d.find([]byte(w))
		assert.True(t, ok)
		assert.Equal(t, uint32(n), got)
	}
	_, ok := d.find([]byte("abcdefghijklmnops"))
	assert.False(t, ok)
	_, ok = d.find([]byte("abc"))
	assert.False(t, ok)
}

func TestDict_GrowsWithoutLosingTerms(t *testing.T) {
	d := newDict(maphash.MakeSeed(), 0)
	const n = 200_000 // many doublings past the initial slots
	for i := range n {
		require.Equal(t, uint32(i+1), d.intern(fmt.Appendf(nil, "w%d", i)).term)
	}
	for i := range n {
		d.intern(fmt.Appendf(nil, "a-rather-long-word-%d", i))
	}
	var scratch [16]byte
	for i := 0; i < n; i += 997 {
		got, ok := d.find(fmt.Appendf(nil, "w%d", i))
		require.True(t, ok)
		assert.Equal(t, uint32(i), got)
		assert.Equal(t, fmt.Sprintf("w%d", i), string(d.word(got, &scratch)))
		long := fmt.Sprintf("a-rather-long-word-%d", i)
		got, ok = d.find([]byte(long))
		require.True(t, ok)
		assert.Equal(t, long, string(d.word(got, &scratch)))
	}
	assert.LessOrEqual(t, 2*d.len(), len(d.slots), "load stays under one half")
}

func TestTermList_SpansChunks(t *testing.T) {
	var l termList
	defer l.release()
	const n = 1<<chunkBits + 10
	for i := range n {
		l.add(uint32(i * 3))
	}
	assert.Equal(t, uint64(n), l.n)
	for _, i := range []uint64{0, 1, 1<<chunkBits - 1, 1 << chunkBits, n - 1} {
		var at []uint32
		l.each(i, 1, func(terms []uint32) { at = append(at, terms...) })
		assert.Equal(t, []uint32{uint32(i * 3)}, at)
	}
	var got []uint32
	l.each(1<<chunkBits-2, 5, func(terms []uint32) { got = append(got, terms...) })
	assert.Equal(t, []uint32{(1<<chunkBits - 2) * 3, (1<<chunkBits - 1) * 3, 1 << chunkBits * 3, (1<<chunkBits + 1) * 3, (1<<chunkBits + 2) * 3}, got)
}

func TestPrefixOf_IsTheZeroPaddedFirst16Bytes(t *testing.T) {
	word := []byte("abcdefghijklmnopqrstu")
	for n := range len(word) + 1 {
		var b [16]byte
		copy(b[:], word[:n])
		want := [2]uint64{binary.LittleEndian.Uint64(b[:]), binary.LittleEndian.Uint64(b[8:])}
		assert.Equal(t, want, prefixOf(word[:n]), "length %d", n)
	}
}
