package index

import (
	"encoding/binary"
	"hash/maphash"
)

// dict maps words to dense term numbers: an open-addressing hash table whose
// arrays hold no pointers, so the garbage collector never scans it and a
// lookup touches few cache lines. It is the build's hot spot, one lookup per
// word of the corpus, and the finished index's dictionary.
type dict struct {
	seed  maphash.Seed
	slots []uint64 // 0 when empty, else hash<<32 | (term number + 1)
	mask  uint32
	terms []term
	arena []byte // bytes of the words longer than 8 bytes
}

// term is a word and, while a worker indexes, what it knows of the word.
type term struct {
	prefix  uint64 // first 8 bytes of the word, zero-padded
	off     uint32 // word bytes in arena, when longer than 8
	length  uint32
	lastDoc uint32 // last document number + 1 that held the word
	count   uint32 // documents that held the word
}

func newDict(seed maphash.Seed, hint int) *dict {
	size := 1 << 10
	for size < 2*hint {
		size <<= 1
	}
	return &dict{seed: seed, slots: make([]uint64, size), mask: uint32(size - 1), terms: make([]term, 0, hint)}
}

func prefixOf(w []byte) uint64 {
	if len(w) >= 8 {
		return binary.LittleEndian.Uint64(w)
	}
	var b [8]byte
	copy(b[:], w)
	return binary.LittleEndian.Uint64(b[:])
}

// lookup returns the term number of w, or the slot where it would go.
func (d *dict) lookup(w []byte) (n uint32, found bool, slot, hash uint32, prefix uint64) {
	hash = uint32(maphash.Bytes(d.seed, w))
	prefix = prefixOf(w)
	for i := hash & d.mask; ; i = (i + 1) & d.mask {
		s := d.slots[i]
		if s == 0 {
			return 0, false, i, hash, prefix
		}
		if uint32(s>>32) != hash {
			continue
		}
		n := uint32(s) - 1
		t := &d.terms[n]
		if t.prefix == prefix && t.length == uint32(len(w)) &&
			(len(w) <= 8 || string(d.arena[t.off:t.off+t.length]) == string(w)) {
			return n, true, i, hash, prefix
		}
	}
}

// find returns the term number of w.
func (d *dict) find(w []byte) (uint32, bool) {
	n, ok, _, _, _ := d.lookup(w)
	return n, ok
}

// intern returns the term number of w, adding it when new.
func (d *dict) intern(w []byte) uint32 {
	n, ok, slot, hash, prefix := d.lookup(w)
	if ok {
		return n
	}
	t := term{prefix: prefix, length: uint32(len(w))}
	if len(w) > 8 {
		t.off = uint32(len(d.arena))
		d.arena = append(d.arena, w...)
	}
	n = uint32(len(d.terms))
	d.terms = append(d.terms, t)
	d.slots[slot] = uint64(hash)<<32 | uint64(n+1)
	if len(d.terms)*2 > len(d.slots) {
		d.grow()
	}
	return n
}

// grow doubles the slots, keeping the load under one half.
func (d *dict) grow() {
	slots := make([]uint64, 2*len(d.slots))
	mask := uint32(len(slots) - 1)
	for _, s := range d.slots {
		if s == 0 {
			continue
		}
		i := uint32(s>>32) & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = s
	}
	d.slots, d.mask = slots, mask
}

// word returns the bytes of term n; a short word is spelled into scratch.
func (d *dict) word(n uint32, scratch *[8]byte) []byte {
	t := &d.terms[n]
	if t.length > 8 {
		return d.arena[t.off : t.off+t.length]
	}
	binary.LittleEndian.PutUint64(scratch[:], t.prefix)
	return scratch[:t.length]
}

func (d *dict) memBytes() int64 {
	return int64(len(d.slots))*8 + int64(cap(d.terms))*24 + int64(cap(d.arena))
}

// chunkBits sizes the chunks of a worker's term list: appending never copies
// what is already there, so the list never needs twice its memory.
const chunkBits = 20

// termList is an append-only list of term numbers in fixed-size chunks.
type termList struct {
	chunks [][]uint32
	n      uint64
}

func (l *termList) add(v uint32) {
	if l.n&(1<<chunkBits-1) == 0 {
		l.chunks = append(l.chunks, make([]uint32, 1<<chunkBits))
	}
	l.chunks[l.n>>chunkBits][l.n&(1<<chunkBits-1)] = v
	l.n++
}

func (l *termList) at(i uint64) uint32 { return l.chunks[i>>chunkBits][i&(1<<chunkBits-1)] }
