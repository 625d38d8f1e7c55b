package index

import (
	"encoding/binary"
	"hash/maphash"
)

// dict maps words to dense term numbers. It is an open-addressing hash table
// whose slots hold the first 16 bytes of their word, so a lookup usually
// touches one cache line; its arrays hold no pointers, so the garbage
// collector never scans them. It is the build's hot spot, one lookup per
// distinct word of every document, and the finished index's dictionary.
type dict struct {
	seed   maphash.Seed
	slots  []slot
	mapped bool // slots are mapped outside the Go heap: release frees them
	mask   uint32
	slotOf []uint32 // term number -> slot
	offOf  []uint32 // term number -> word bytes in arena, for words over 16 bytes
	arena  []byte
	sink   uint32 // what probe read, kept so that its loads are not optimised away
}

type slot struct {
	prefix [2]uint64 // first 16 bytes of the word, zero-padded
	hash   uint32
	term   uint32 // term number + 1; 0 marks an empty slot
	length uint32
	docs   uint32 // while indexing: documents that hold the word
}

func newDict(seed maphash.Seed, hint int) *dict {
	size := 1 << 10
	for size < 2*hint {
		size <<= 1
	}
	slots, mapped := allocMapped[slot](size)
	return &dict{seed: seed, slots: slots, mapped: mapped, mask: uint32(size - 1), slotOf: make([]uint32, 0, hint), offOf: make([]uint32, 0, hint)}
}

// release frees the slots when they live outside the Go heap. The dict must
// not be used afterwards.
func (d *dict) release() {
	if d.mapped {
		freeMapped(d.slots)
	}
	d.slots, d.mapped = nil, false
}

// prefixOf returns the first 16 bytes of w as two little-endian words,
// zero-padded. It runs for every word of the corpus: a short word is read
// with whole loads that may overlap, then shifted, rather than copied byte
// by byte into a buffer and read back, which stalls the processor.
func prefixOf(w []byte) [2]uint64 {
	le := binary.LittleEndian
	switch n := len(w); {
	case n >= 16:
		return [2]uint64{le.Uint64(w), le.Uint64(w[8:])}
	case n > 8:
		return [2]uint64{le.Uint64(w), le.Uint64(w[n-8:]) >> (8 * (16 - n))}
	case n == 8:
		return [2]uint64{le.Uint64(w), 0}
	case n >= 4:
		return [2]uint64{uint64(le.Uint32(w)) | uint64(le.Uint32(w[n-4:]))>>(8*(8-n))<<32, 0}
	}
	var v uint64
	for i, c := range w {
		v |= uint64(c) << (8 * i)
	}
	return [2]uint64{v, 0}
}

// hash returns the hash of w: the dictionary uses its low 32 bits, a
// document's word set (docSet) the high ones.
func (d *dict) hash(w []byte) uint64 { return maphash.Bytes(d.seed, w) }

// lookup returns the slot of w, whose hash is hash: its own, or the empty one
// where it would go.
func (d *dict) lookup(w []byte, hash uint32) (i uint32, prefix [2]uint64) {
	prefix = prefixOf(w)
	for i = hash & d.mask; ; i = (i + 1) & d.mask {
		s := &d.slots[i]
		if s.term == 0 ||
			s.hash == hash && s.prefix == prefix && s.length == uint32(len(w)) &&
				(len(w) <= 16 || string(d.arena[d.offOf[s.term-1]:][:len(w)]) == string(w)) {
			return i, prefix
		}
	}
}

// find returns the term number of w.
func (d *dict) find(w []byte) (uint32, bool) {
	i, _ := d.lookup(w, uint32(d.hash(w)))
	t := d.slots[i].term
	return t - 1, t != 0
}

// intern returns the slot of w, adding w when new.
func (d *dict) intern(w []byte) *slot { return d.internHash(w, uint32(d.hash(w))) }

// probe loads the slot where a word of this hash would start its probe.
// Probing the slots of many words before looking them up lets the processor
// fetch them from memory in parallel instead of one cache miss after another.
// The caller keeps the result somewhere (dict.sink) so the load stays.
func (d *dict) probe(hash uint32) uint32 { return d.slots[hash&d.mask].term }

// internHash is intern for a word whose hash is known.
func (d *dict) internHash(w []byte, hash uint32) *slot {
	i, prefix := d.lookup(w, hash)
	s := &d.slots[i]
	if s.term != 0 {
		return s
	}
	n := uint32(len(d.slotOf))
	*s = slot{prefix: prefix, hash: hash, term: n + 1, length: uint32(len(w))}
	d.slotOf = append(d.slotOf, i)
	off := uint32(0)
	if len(w) > 16 {
		off = uint32(len(d.arena))
		d.arena = append(d.arena, w...)
	}
	d.offOf = append(d.offOf, off)
	if len(d.slotOf)*2 > len(d.slots) {
		d.grow()
		return &d.slots[d.slotOf[n]]
	}
	return s
}

// grow doubles the slots, keeping the load under one half.
func (d *dict) grow() {
	slots, mapped := allocMapped[slot](2 * len(d.slots))
	mask := uint32(len(slots) - 1)
	for _, s := range d.slots {
		if s.term == 0 {
			continue
		}
		i := s.hash & mask
		for slots[i].term != 0 {
			i = (i + 1) & mask
		}
		slots[i] = s
		d.slotOf[s.term-1] = i
	}
	d.release()
	d.slots, d.mapped, d.mask = slots, mapped, mask
}

// len returns the number of terms.
func (d *dict) len() int { return len(d.slotOf) }

// word returns the bytes of term n; a short word is spelled into scratch.
func (d *dict) word(n uint32, scratch *[16]byte) []byte {
	s := &d.slots[d.slotOf[n]]
	if s.length > 16 {
		return d.arena[d.offOf[n]:][:s.length]
	}
	binary.LittleEndian.PutUint64(scratch[:], s.prefix[0])
	binary.LittleEndian.PutUint64(scratch[8:], s.prefix[1])
	return scratch[:s.length]
}

func (d *dict) memBytes() int64 {
	return int64(len(d.slots))*32 + int64(cap(d.slotOf)+cap(d.offOf))*4 + int64(cap(d.arena))
}

// chunkBits sizes the chunks of a worker's term list: appending never copies
// what is already there, so the list never needs twice its memory. A chunk
// is 16 MiB, mapped on huge pages (allocMapped); untouched pages of the last
// one take no memory.
const chunkBits = 22

// termList is an append-only list of term numbers in fixed-size chunks.
type termList struct {
	chunks [][]uint32
	mapped []bool // chunks mapped outside the Go heap: release frees them
	n      uint64
}

func (l *termList) add(v uint32) {
	if l.n&(1<<chunkBits-1) == 0 {
		c, mapped := allocMapped[uint32](1 << chunkBits)
		l.chunks, l.mapped = append(l.chunks, c), append(l.mapped, mapped)
	}
	l.chunks[l.n>>chunkBits][l.n&(1<<chunkBits-1)] = v
	l.n++
}

// release frees the chunks. The list must not be used afterwards.
func (l *termList) release() {
	for i, c := range l.chunks {
		if l.mapped[i] {
			freeMapped(c)
		}
	}
	l.chunks, l.mapped, l.n = nil, nil, 0
}

// each calls fn with the n terms from i on, one run of a chunk at a time.
func (l *termList) each(i, n uint64, fn func([]uint32)) {
	for end := i + n; i < end; {
		c := l.chunks[i>>chunkBits][i&(1<<chunkBits-1):]
		c = c[:min(uint64(len(c)), end-i)]
		fn(c)
		i += uint64(len(c))
	}
}
