// Package index is the in-memory inverted index of a corpus: built once from
// its files using every core, then read-only, so searches take no locks.
package index

import (
	"context"
	"fmt"
	"hash/maphash"
	"io"
	"io/fs"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doc-search/gitops/app/internal/corpus"
	"github.com/doc-search/gitops/app/internal/tokenize"
)

// Index maps each folded word to the sorted numbers of the documents that
// hold it. Document numbers follow corpus.CompareIDs order, so a sorted
// posting list is also a list of IDs in the contract's order.
type Index struct {
	ids      []string
	dict     *dict    // word -> term number
	offsets  []uint32 // postings of term t: postings[offsets[t]:offsets[t+1]]
	postings []uint32
	stats    Stats
}

// Stats describes a built index.
type Stats struct {
	Documents int           // documents indexed
	Skipped   int           // documents that could not be read
	Terms     int           // distinct words
	Postings  int           // (word, document) pairs
	Bytes     int64         // corpus bytes read
	MemBytes  int64         // estimated size of the index in memory
	Duration  time.Duration // build time
}

// Options tune Build. The zero value is usable.
type Options struct {
	Workers int // files tokenized in parallel; default GOMAXPROCS
	// Skip is called for each file that cannot be read; the build goes on without it.
	Skip func(doc corpus.Document, err error)
	// Progress is called by one goroutine after each document with running totals.
	Progress func(docs int, bytes int64)
}

// Build reads and indexes docs from fsys. Files are streamed one per worker
// at a time; the corpus as a whole is never held in memory.
func Build(ctx context.Context, fsys fs.FS, docs []corpus.Document, opt Options) (*Index, error) {
	start := time.Now()
	if len(docs) == 0 {
		return nil, corpus.ErrEmpty
	}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, len(docs), 255) // span.worker is a byte

	var (
		next    atomic.Int64 // next document number to take
		done    atomic.Int64
		read    atomic.Int64
		skipped atomic.Int64
		mu      sync.Mutex // serialises the Skip and Progress callbacks
		wg      sync.WaitGroup
	)
	parts := make([]*partial, workers)
	seed := maphash.MakeSeed()
	// Where each document's distinct terms are: which worker, from where, how many.
	spans := make([]span, len(docs))
	for w := range parts {
		// Room for ~96 new words per document up front (the full-scale
		// synthetic corpus has 106) spares the dictionary most of its growth.
		p := newPartial(seed, uint8(w), spans, min(1<<21, 96*len(docs)))
		parts[w] = p
		wg.Go(func() {
			var buf []byte
			for ctx.Err() == nil {
				n := int(next.Add(1) - 1)
				if n >= len(docs) {
					return
				}
				var err error
				buf, err = readFile(fsys, docs[n].Name, buf)
				if err != nil {
					skipped.Add(1)
					if opt.Skip != nil {
						mu.Lock()
						opt.Skip(docs[n], err)
						mu.Unlock()
					}
				} else {
					p.add(uint32(n), buf)
				}
				d, b := done.Add(1), read.Add(int64(len(buf)))
				if opt.Progress != nil && mu.TryLock() {
					opt.Progress(int(d), b)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("building index: %w", err)
	}
	if int(skipped.Load()) == len(docs) {
		return nil, fmt.Errorf("building index: none of the %d documents could be read", len(docs))
	}

	idx := merge(parts, spans)
	idx.ids = make([]string, len(docs))
	for i, d := range docs {
		idx.ids[i] = d.ID
	}
	idx.stats.Skipped = int(skipped.Load())
	idx.stats.Documents = len(docs) - idx.stats.Skipped
	idx.stats.Bytes = read.Load()
	idx.stats.MemBytes = idx.memBytes()
	idx.stats.Duration = time.Since(start)
	return idx, nil
}

// readFile reads name into buf, reusing its memory.
func readFile(fsys fs.FS, name string, buf []byte) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return buf[:0], err
	}
	defer f.Close()
	buf = buf[:0]
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 && int64(cap(buf)) < fi.Size()+1 {
		buf = make([]byte, 0, fi.Size()+1)
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, 4096)
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf[:0], fmt.Errorf("reading %s: %w", name, err)
		}
	}
}

// span locates the distinct terms of one document in a worker's list.
type span struct {
	start  uint64
	length uint32
	worker uint8
}

// partial is one worker's share of the index: its own dictionary and, for
// each document it read, the list of its distinct terms, appended in order
// so that writing is sequential; workers never contend. merge turns the lists
// into posting lists once at the end.
type partial struct {
	dict   *dict
	list   termList
	spans  []span // shared, indexed by document number; each worker writes its own
	worker uint8
	doc    uint32
	tok    *tokenize.Tokenizer
}

// hint is the number of distinct words to make room for at once.
func newPartial(seed maphash.Seed, worker uint8, spans []span, hint int) *partial {
	p := &partial{dict: newDict(seed, hint), spans: spans, worker: worker}
	p.tok = tokenize.New(p.word)
	return p
}

func (p *partial) add(doc uint32, text []byte) {
	p.doc = doc
	start := p.list.n
	corpus.Parse(text, p.tok)
	p.spans[doc] = span{start: start, length: uint32(p.list.n - start), worker: p.worker}
}

func (p *partial) word(w []byte) {
	s := p.dict.intern(w)
	if s.lastDoc != p.doc+1 {
		s.lastDoc = p.doc + 1
		p.list.add(s.term - 1)
	}
}

// merge joins the workers' dictionaries into one (the first worker's, grown)
// and scatters every document's terms into one flat posting array. Documents
// are visited in order, so every posting list comes out sorted.
func merge(parts []*partial, spans []span) *Index {
	global := parts[0].dict
	toGlobal := make([][]uint32, len(parts))
	toGlobal[0] = make([]uint32, global.len())
	for lt := range toGlobal[0] {
		toGlobal[0][lt] = uint32(lt)
	}
	var scratch [16]byte
	for w, p := range parts[1:] {
		local := make([]uint32, p.dict.len())
		for lt := range local {
			local[lt] = global.intern(p.dict.word(uint32(lt), &scratch)).term - 1
		}
		toGlobal[w+1] = local
		p.dict.release()
		p.dict = nil
	}
	nterms := global.len()

	// Documents are split in as many ranges as workers; each range is counted
	// and then scattered by one goroutine. cursor[r][g] is where range r
	// writes its next posting of term g: after the postings of g that the
	// ranges before it hold.
	ranges := len(parts)
	bounds := make([]int, ranges+1)
	for r := range bounds {
		bounds[r] = r * len(spans) / ranges
	}
	cursor := make([][]uint32, ranges)
	eachTerm := func(r int, fn func(g uint32, doc int)) {
		for doc := bounds[r]; doc < bounds[r+1]; doc++ {
			sp := spans[doc]
			list, local := &parts[sp.worker].list, toGlobal[sp.worker]
			for i := sp.start; i < sp.start+uint64(sp.length); i++ {
				fn(local[list.at(i)], doc)
			}
		}
	}
	var wg sync.WaitGroup
	for r := range ranges {
		wg.Go(func() {
			counts := make([]uint32, nterms)
			eachTerm(r, func(g uint32, _ int) { counts[g]++ })
			cursor[r] = counts
		})
	}
	wg.Wait()
	offsets := make([]uint32, nterms+1)
	for g := range nterms {
		at := offsets[g]
		for r := range ranges {
			at, cursor[r][g] = at+cursor[r][g], at
		}
		offsets[g+1] = at
	}
	postings := make([]uint32, offsets[nterms])
	for r := range ranges {
		wg.Go(func() {
			c := cursor[r]
			eachTerm(r, func(g uint32, doc int) {
				postings[c[g]] = uint32(doc)
				c[g]++
			})
		})
	}
	wg.Wait()
	for i := range global.slots {
		global.slots[i].lastDoc = 0
	}
	idx := &Index{
		dict:     global,
		offsets:  offsets,
		postings: postings,
		stats:    Stats{Terms: nterms, Postings: len(postings)},
	}
	// The dictionary's slots may live outside the Go heap: free them with the index.
	runtime.AddCleanup(idx, func(d *dict) { d.release() }, global)
	return idx
}

func (x *Index) memBytes() int64 {
	n := int64(len(x.postings)+len(x.offsets))*4 + x.dict.memBytes()
	for _, id := range x.ids {
		n += int64(len(id)) + 16
	}
	return n
}

// Stats returns figures about the built index.
func (x *Index) Stats() Stats { return x.stats }

// ID returns the ID of document number n.
func (x *Index) ID(n uint32) string { return x.ids[n] }

// NumDocs returns the number of document numbers, skipped ones included.
func (x *Index) NumDocs() int { return len(x.ids) }

// Postings returns the sorted document numbers holding the folded word w.
// The slice belongs to the index and must not be modified.
func (x *Index) Postings(w string) []uint32 {
	t, ok := x.dict.find([]byte(w))
	if !ok {
		return nil
	}
	return x.postings[x.offsets[t]:x.offsets[t+1]:x.offsets[t+1]]
}
