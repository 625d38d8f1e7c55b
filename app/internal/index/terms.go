package index

import (
	"encoding/binary"
	"hash/maphash"
)

// termTable is one worker's dictionary while indexing: an open-addressing
// hash table over term entries that keep a word's first bytes, its last
// document and its postings together, so counting an occurrence touches few
// cache lines. It is the build's hot spot: one lookup per word of the corpus.
type termTable struct {
	seed  maphash.Seed
	slots []uint64 // 0 when empty, else hash<<32 | (term number + 1)
	mask  uint32
	terms []termEntry
	arena []byte // bytes of the words longer than 8 bytes
}

type termEntry struct {
	prefix   uint64 // first 8 bytes of the word, zero-padded
	off      uint32 // word bytes in arena, when longer than 8
	length   uint32
	lastDoc  uint32 // last document number + 1 that held the word
	postings []uint32
}

func newTermTable(seed maphash.Seed) *termTable {
	const size = 1 << 16
	return &termTable{seed: seed, slots: make([]uint64, size), mask: size - 1}
}

func prefixOf(w []byte) uint64 {
	if len(w) >= 8 {
		return binary.LittleEndian.Uint64(w)
	}
	var b [8]byte
	copy(b[:], w)
	return binary.LittleEndian.Uint64(b[:])
}

// add records that document doc holds word w.
func (t *termTable) add(w []byte, doc uint32) {
	h := uint32(maphash.Bytes(t.seed, w))
	prefix := prefixOf(w)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := t.slots[i]
		if s == 0 {
			t.insert(i, h, w, prefix, doc)
			return
		}
		if uint32(s>>32) != h {
			continue
		}
		e := &t.terms[uint32(s)-1]
		if e.prefix != prefix || e.length != uint32(len(w)) ||
			len(w) > 8 && string(t.arena[e.off:e.off+e.length]) != string(w) {
			continue
		}
		if e.lastDoc != doc+1 {
			e.lastDoc = doc + 1
			e.postings = append(e.postings, doc)
		}
		return
	}
}

func (t *termTable) insert(i, h uint32, w []byte, prefix uint64, doc uint32) {
	e := termEntry{prefix: prefix, length: uint32(len(w)), lastDoc: doc + 1, postings: []uint32{doc}}
	if len(w) > 8 {
		e.off = uint32(len(t.arena))
		t.arena = append(t.arena, w...)
	}
	t.terms = append(t.terms, e)
	t.slots[i] = uint64(h)<<32 | uint64(len(t.terms))
	if len(t.terms)*2 > len(t.slots) {
		t.grow()
	}
}

// grow doubles the slots, keeping the load under one half.
func (t *termTable) grow() {
	slots := make([]uint64, 2*len(t.slots))
	mask := uint32(len(slots) - 1)
	for _, s := range t.slots {
		if s == 0 {
			continue
		}
		i := uint32(s>>32) & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = s
	}
	t.slots, t.mask = slots, mask
}

// word returns the bytes of term n, valid until the next add.
func (t *termTable) word(n int, scratch *[8]byte) []byte {
	e := &t.terms[n]
	if e.length > 8 {
		return t.arena[e.off : e.off+e.length]
	}
	binary.LittleEndian.PutUint64(scratch[:], e.prefix)
	return scratch[:e.length]
}
