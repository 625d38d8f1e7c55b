package index

import "slices"

// Search returns the sorted numbers of the documents holding every one of
// the folded words. Lists are intersected smallest first, galloping through
// the longer ones, so a rare word makes a query cheap whatever comes with it;
// common words are intersected as bitmaps. With one word the result is the
// index's own list: do not modify it.
func (x *Index) Search(words []string) []uint32 {
	if len(words) == 0 {
		return nil
	}
	type term struct {
		list   []uint32
		bitmap []uint64 // nil unless the term is common
	}
	terms := make([]term, 0, len(words))
	for _, w := range words {
		t, ok := x.dict.find([]byte(w))
		if !ok {
			return nil
		}
		terms = append(terms, term{x.postings[x.offsets[t]:x.offsets[t+1]:x.offsets[t+1]], x.dense[t]})
	}
	slices.SortFunc(terms, func(a, b term) int { return len(a.list) - len(b.list) })
	if len(terms) == 1 {
		return terms[0].list
	}
	if terms[0].bitmap != nil { // the shortest is common, so all are
		bms := make([][]uint64, len(terms))
		for i, t := range terms {
			bms[i] = t.bitmap
		}
		return andBitmaps(bms)
	}
	// Candidates are the shortest list's documents: a test of a bit per
	// candidate for each common term, then galloping through the others.
	out := make([]uint32, 0, len(terms[0].list))
	cand := terms[0].list // the index's own until out holds the candidates
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
	return cand
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
