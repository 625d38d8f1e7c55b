package index

// docSet collects the distinct words of one document in order of first
// appearance. Most words of a document repeat (the full-scale corpus has 140
// million words but 61 million distinct (word, document) pairs), and this
// table is small enough to stay in the core's own cache, so only the distinct
// words go on to the dictionary, whose table is far larger than any cache.
type docSet struct {
	entries []docEntry
	tables  [][]docEntry // tables[k] has docSetInitial<<k entries, kept for the next large document
	level   int          // entries is tables[level]
	mask    uint32
	gen     uint32 // entries of other generations are empty: no clearing per document
	words   []docWord
	arena   []byte // the bytes of words, back to back
}

// docEntry is a word of the set: its generation and the high half of its
// hash in one key (one comparison finds both a match and an empty entry), and
// its bytes in the arena, so a match needs no other lookup.
type docEntry struct {
	key      uint64 // gen<<32 | high half of the hash
	off, len uint32
}

type docWord struct {
	hash     uint64
	off, len uint32 // bytes in arena
}

// docSetInitial is the smallest table: 64 KiB, room for the 2,048 distinct
// words of a typical document within the core's own cache. Each document
// gets a table sized for itself: if the next one inherited a large
// document's table, its few words would be spread over a table that no
// longer fits that cache, and every lookup would miss it.
const docSetInitial = 1 << 12

func newDocSet() *docSet {
	small := make([]docEntry, docSetInitial)
	return &docSet{entries: small, tables: [][]docEntry{small}, mask: docSetInitial - 1, gen: 1}
}

// reset empties the set for a document of size bytes. It starts with the
// table that should hold its distinct words without growing, guessing one
// distinct word per 16 bytes (documents of the Blog corpus have fewer).
func (s *docSet) reset(size int) {
	s.words, s.arena = s.words[:0], s.arena[:0]
	level := 0
	for docSetInitial<<level < 2*size/16 {
		level++
	}
	for len(s.tables) <= level {
		s.tables = append(s.tables, make([]docEntry, docSetInitial<<len(s.tables)))
	}
	s.level, s.entries, s.mask = level, s.tables[level], uint32(docSetInitial<<level-1)
	s.gen++         // generations only go up, so no table holds a current mark from before
	if s.gen == 0 { // wrapped: old marks could look current
		for _, t := range s.tables {
			clear(t)
		}
		s.gen = 1
	}
}

// add records w, whose hash is hash, unless the document already had it.
func (s *docSet) add(w []byte, hash uint64) {
	h := uint32(hash >> 32)
	key := uint64(s.gen)<<32 | uint64(h)
	for i := h & s.mask; ; i = (i + 1) & s.mask {
		e := &s.entries[i]
		if e.key == key {
			if int(e.len) == len(w) && string(s.arena[e.off:e.off+e.len]) == string(w) {
				return
			}
			continue
		}
		if uint32(e.key>>32) != s.gen {
			off := uint32(len(s.arena))
			*e = docEntry{key: key, off: off, len: uint32(len(w))}
			s.words = append(s.words, docWord{hash: hash, off: off, len: uint32(len(w))})
			s.arena = append(s.arena, w...)
			if 2*len(s.words) > len(s.entries) {
				s.grow()
			}
			return
		}
	}
}

// grow moves the words to a table twice the size, keeping the load under one
// half. Tables are made once and kept: marks of past generations read as empty.
func (s *docSet) grow() {
	s.level++
	if s.level == len(s.tables) {
		s.tables = append(s.tables, make([]docEntry, docSetInitial<<s.level))
	}
	s.entries = s.tables[s.level]
	s.mask = uint32(len(s.entries) - 1)
	for _, dw := range s.words {
		h := uint32(dw.hash >> 32)
		i := h & s.mask
		for uint32(s.entries[i].key>>32) == s.gen {
			i = (i + 1) & s.mask
		}
		s.entries[i] = docEntry{key: uint64(s.gen)<<32 | uint64(h), off: dw.off, len: dw.len}
	}
}

// word returns the bytes of dw.
func (s *docSet) word(dw docWord) []byte { return s.arena[dw.off : dw.off+dw.len] }
