package index

// docSet collects the distinct words of one document in order of first
// appearance. Most words of a document repeat (the full-scale corpus has 140
// million words but 61 million distinct (word, document) pairs), and this
// table is small enough to stay in the core's own cache, so only the distinct
// words go on to the dictionary, whose table is far larger than any cache.
//
// Between two documents the dictionary's lookups push the table out of the
// core's cache, so each document starts by fetching the lines it touches
// again from memory: entries are 8 bytes to make those lines few.
type docSet struct {
	entries []docEntry
	tables  [][]docEntry // tables[k] has docSetInitial<<k entries, kept for the next large document
	mask    uint32
	gen     uint32 // entries of other generations are empty: no clearing per document
	words   []docWord
	arena   []byte // the bytes of words, back to back
}

// docEntry is a word of the set: its generation and 16 bits of its hash in
// one tag (one comparison finds both a likely match and an empty entry), and
// its place in words. The entry's place in the table comes from the hash's
// high half, the tag's bits from its low half.
type docEntry struct {
	tag  uint32 // gen<<16 | low 16 bits of the hash
	word uint32
}

type docWord struct {
	hash     uint64
	off, len uint32 // bytes in arena
}

// genMask keeps the generation in the tag's 16 bits; generation 0 is skipped,
// so a zeroed entry is always empty.
const genMask = 1<<16 - 1

func tagOf(gen uint32, hash uint64) uint32 { return gen<<16 | uint32(hash)&0xffff }

// docSetInitial is the smallest table: 32 KiB, room for the 2,048 distinct
// words of a typical document. Each document gets a table sized for itself:
// if the next one inherited a large document's table, its few words would be
// spread over many more cache lines.
const docSetInitial = 1 << 12

func newDocSet() *docSet {
	small := make([]docEntry, docSetInitial)
	return &docSet{entries: small, tables: [][]docEntry{small}, mask: docSetInitial - 1}
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
	s.use(level)
	s.gen = (s.gen + 1) & genMask
	if s.gen == 0 { // wrapped: old tags could look current
		for _, t := range s.tables {
			clear(t)
		}
		s.gen = 1
	}
}

// use makes tables[level] the current table, making it first if need be.
func (s *docSet) use(level int) {
	for len(s.tables) <= level {
		s.tables = append(s.tables, make([]docEntry, docSetInitial<<len(s.tables)))
	}
	s.entries, s.mask = s.tables[level], uint32(docSetInitial<<level-1)
}

// add records w, whose hash is hash, unless the document already had it.
func (s *docSet) add(w []byte, hash uint64) {
	tag := tagOf(s.gen, hash)
	for i := uint32(hash>>32) & s.mask; ; i = (i + 1) & s.mask {
		e := &s.entries[i]
		if e.tag == tag {
			dw := s.words[e.word]
			if dw.hash == hash && string(s.arena[dw.off:dw.off+dw.len]) == string(w) {
				return
			}
			continue
		}
		if e.tag>>16 != s.gen {
			*e = docEntry{tag: tag, word: uint32(len(s.words))}
			s.words = append(s.words, docWord{hash: hash, off: uint32(len(s.arena)), len: uint32(len(w))})
			s.arena = append(s.arena, w...)
			if 2*len(s.words) > len(s.entries) {
				s.grow()
			}
			return
		}
	}
}

// grow moves the words to a table twice the size, keeping the load under one
// half. Tables are made once and kept: tags of past generations read as empty.
func (s *docSet) grow() {
	level := 0
	for docSetInitial<<level <= len(s.entries) {
		level++
	}
	s.use(level)
	for n, dw := range s.words {
		i := uint32(dw.hash>>32) & s.mask
		for s.entries[i].tag>>16 == s.gen {
			i = (i + 1) & s.mask
		}
		s.entries[i] = docEntry{tag: tagOf(s.gen, dw.hash), word: uint32(n)}
	}
}

// word returns the bytes of dw.
func (s *docSet) word(dw docWord) []byte { return s.arena[dw.off : dw.off+dw.len] }
