package index

import (
	"iter"
	"math/bits"
	"slices"
)

// Search returns the sorted numbers of the documents holding every one of
// the folded words. Lists are intersected smallest first, galloping through
// the longer ones, so a rare word makes a query cheap whatever comes with it;
// common words are intersected as bitmaps. With one word the result is the
// index's own list: do not modify it.
func (x *Index) Search(words []string) []uint32 {
	if len(words) == 1 {
		t, ok := x.dict.find([]byte(words[0]))
		if !ok {
			return nil
		}
		return x.postings[x.offsets[t]:x.offsets[t+1]:x.offsets[t+1]]
	}
	m := x.Match(&Scratch{}, words)
	if m.bits == nil {
		return m.docs // a fresh Scratch's: already the caller's own
	}
	return m.Docs()
}

// Scratch is memory a caller lends Match for its results, to be reused
// query after query: a common query's result is tens of kilobytes, and a
// fresh one per request cost a tenth of the server's time in zeroing and
// garbage collection.
type Scratch struct {
	docs []uint32
	bits []uint64
}

// Matches are the documents one query matched, in order: a list, or, when
// every word of the query is common, the bitmap their bitmaps ANDed to, which
// is never turned into a list. They live in the Scratch given to Match until
// its next use, and never share the index's memory.
type Matches struct {
	docs []uint32
	bits []uint64 // when non-nil, the documents are its set bits
	n    int
}

// MatchesOf is a result holding docs, which must be sorted: for writers of
// results to be tested without an index.
func MatchesOf(docs []uint32) Matches { return Matches{docs: docs, n: len(docs)} }

// Len is the number of documents.
func (m Matches) Len() int { return m.n }

// Docs returns the document numbers as a new list.
func (m Matches) Docs() []uint32 {
	if m.bits == nil {
		return slices.Clone(m.docs)
	}
	out := make([]uint32, 0, m.n)
	for i, w := range m.bits {
		for ; w != 0; w &= w - 1 {
			out = append(out, uint32(i*64+bits.TrailingZeros64(w)))
		}
	}
	return out
}

// Runs yields each run of consecutive document numbers as its first and
// last. A common query's documents are a few long runs, which a writer of
// results copies at once.
func (m Matches) Runs() iter.Seq2[uint32, uint32] {
	return func(yield func(first, last uint32) bool) {
		if m.bits == nil {
			for i := 0; i < len(m.docs); {
				j := i + 1
				for j < len(m.docs) && m.docs[j] == m.docs[j-1]+1 {
					j++
				}
				if !yield(m.docs[i], m.docs[j-1]) {
					return
				}
				i = j
			}
			return
		}
		first, end := -1, -1 // the open run is [first, end)
		for i, w := range m.bits {
			for w != 0 {
				tz := bits.TrailingZeros64(w)
				b := i*64 + tz
				if b != end {
					if first >= 0 && !yield(uint32(first), uint32(end-1)) {
						return
					}
					first = b
				}
				// The ones from bit tz up: the complement of w>>tz
				// has ones where the shift brought zeros in, so this
				// stops at the top of the word.
				ones := bits.TrailingZeros64(^(w >> tz))
				end = b + ones
				if tz+ones == 64 {
					w = 0
				} else {
					w &^= (1<<ones - 1) << tz
				}
			}
		}
		if first >= 0 {
			yield(uint32(first), uint32(end-1))
		}
	}
}

// Match finds the documents holding every one of the folded words, as
// Search does, into s.
func (x *Index) Match(s *Scratch, words []string) Matches {
	out := s.docs[:0]
	defer func() { s.docs = out[:0] }()
	if len(words) == 0 {
		return Matches{}
	}
	type term struct {
		list   []uint32
		bitmap []uint64 // nil unless the term is common
	}
	terms := make([]term, 0, len(words))
	for _, w := range words {
		t, ok := x.dict.find([]byte(w))
		if !ok {
			return Matches{}
		}
		terms = append(terms, term{x.postings[x.offsets[t]:x.offsets[t+1]:x.offsets[t+1]], x.dense[t]})
	}
	slices.SortFunc(terms, func(a, b term) int { return len(a.list) - len(b.list) })
	if len(terms) == 1 {
		out = append(out, terms[0].list...)
		return Matches{docs: out, n: len(out)}
	}
	if terms[0].bitmap != nil { // the shortest is common, so all are
		bms := make([][]uint64, len(terms))
		for i, t := range terms {
			bms[i] = t.bitmap
		}
		var n int
		s.bits, n = andBitmaps(s.bits, bms)
		return Matches{bits: s.bits, n: n}
	}
	// Candidates are the shortest list's documents: a test of a bit per
	// candidate for each common term, then galloping through the others.
	// out takes the candidates over from the index's list at the first
	// step, and every step after writes it in place.
	cand := terms[0].list
	for _, t := range terms[1:] {
		if t.bitmap != nil {
			out = filterBitmap(out, cand, t.bitmap)
			cand = out
		}
	}
	for _, t := range terms[1:] {
		if len(cand) == 0 {
			break
		}
		if t.bitmap == nil {
			out = Intersect(out[:0], cand, t.list)
			cand = out
		}
	}
	return Matches{docs: cand, n: len(cand)}
}

// Intersect appends to dst the values present in both sorted lists a and b
// and returns it. a should be the shorter: each of its values is looked for
// in b by galloping (exponential then binary search) from the last match,
// unless b is less than 4 times longer, when a plain merge is faster.
// dst may alias a: values are written no faster than they are read.
func Intersect(dst, a, b []uint32) []uint32 {
	if len(b) <= 4*len(a) {
		return mergeIntersect(dst, a, b)
	}
	lo := 0
	for _, v := range a {
		lo = gallop(b, lo, v)
		if lo == len(b) {
			break
		}
		if b[lo] == v {
			dst = append(dst, v)
			lo++
		}
	}
	return dst
}

// mergeIntersect is Intersect for lists of similar length, where stepping
// through both beats searching: common words hold most documents.
func mergeIntersect(dst, a, b []uint32) []uint32 {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch x, y := a[i], b[j]; {
		case x < y:
			i++
		case x > y:
			j++
		default:
			dst = append(dst, x)
			i++
			j++
		}
	}
	return dst
}

// gallop returns the smallest i >= lo with b[i] >= v, or len(b).
func gallop(b []uint32, lo int, v uint32) int {
	if lo >= len(b) || b[lo] >= v {
		return lo
	}
	// b[lo] < v: double the step until b[hi] >= v or the end.
	step := 1
	hi := lo + step
	for hi < len(b) && b[hi] < v {
		lo = hi
		step <<= 1
		hi = lo + step
	}
	hi = min(hi, len(b))
	// b[lo] < v <= b[hi] (or hi == len(b)): binary search in (lo, hi].
	lo++
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if b[m] < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
