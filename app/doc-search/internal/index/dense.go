package index

import (
	"math/bits"
	"runtime"
	"sync"
)

// denseShare is how common a word must be to get a bitmap besides its
// posting list: in at least one document out of denseShare. Its bitmap is
// then at most 4/denseShare of its list's size (4 bytes a posting against 1
// bit a document), and intersecting two common words is a pass of AND over
// a few hundred words instead of a step per document of each list.
const denseShare = 16

// buildDense gives every common term a bitmap of the documents that hold it.
func (x *Index) buildDense(ndocs int) {
	x.bitmapWords = (ndocs + 63) / 64
	var terms []uint32
	for t := range len(x.offsets) - 1 {
		if int(x.offsets[t+1]-x.offsets[t])*denseShare >= ndocs {
			terms = append(terms, uint32(t))
		}
	}
	x.dense = make(map[uint32][]uint64, len(terms))
	bitmaps := make([]uint64, len(terms)*x.bitmapWords) // one allocation for all
	adviseHuge(bitmaps)
	bms := make([][]uint64, len(terms))
	for i, t := range terms {
		bms[i] = bitmaps[i*x.bitmapWords : (i+1)*x.bitmapWords : (i+1)*x.bitmapWords]
		x.dense[t] = bms[i]
	}
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(terms); i += workers {
				for _, d := range x.postings[x.offsets[terms[i]]:x.offsets[terms[i]+1]] {
					bms[i][d/64] |= 1 << (d % 64)
				}
			}
		})
	}
	wg.Wait()
}

// andBitmaps ANDs bms into acc's memory and returns it with the number of
// bits set.
func andBitmaps(acc []uint64, bms [][]uint64) ([]uint64, int) {
	acc = append(acc[:0], bms[0]...)
	n := 0
	for i := range acc {
		for _, bm := range bms[1:] {
			acc[i] &= bm[i]
		}
		n += bits.OnesCount64(acc[i])
	}
	return acc, n
}

// filterBitmap keeps the documents of list set in bm, writing them to dst
// (which may alias list) and returning it.
func filterBitmap(dst, list []uint32, bm []uint64) []uint32 {
	dst = dst[:0]
	for _, d := range list {
		if bm[d/64]&(1<<(d%64)) != 0 {
			dst = append(dst, d)
		}
	}
	return dst
}
