// Package index is the in-memory inverted index of a corpus: built once from
// its files using every core, then read-only, so searches take no locks.
package index

import (
	"context"
	"fmt"
	"hash/maphash"
	"io/fs"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/doc-search/gitops/app/doc-search/internal/corpus"
	"github.com/doc-search/gitops/app/doc-search/internal/tokenize"
)

// Index maps each folded word to the sorted numbers of the documents that
// hold it. Document numbers follow corpus.CompareIDs order, so a sorted
// posting list is also a list of IDs in the contract's order.
type Index struct {
	ids      []string
	dict     *dict    // word -> term number
	offsets  []uint32 // postings of term t: postings[offsets[t]:offsets[t+1]]
	postings []uint32
	// Common terms also have a bitmap of their documents (see denseShare).
	dense       map[uint32][]uint64
	bitmapWords int // length of each bitmap
	stats       Stats
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

	files, err := openFiles(fsys)
	if err != nil {
		return nil, fmt.Errorf("building index: %w", err)
	}
	defer files.close()
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
				if ahead := n + prefetchAhead; ahead < len(docs) {
					files.prefetch(docs[ahead].Name)
				}
				var err error
				buf, err = files.read(docs[n].Name, buf)
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
	idx.buildDense(len(docs))
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

// prefetchAhead is how many files ahead of the workers' next one the files
// are read ahead, about 10 MB of the Blog corpus: enough requests in flight
// to keep a disk busy, few enough that the pages are still cached when read.
const prefetchAhead = 256

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
	set    *docSet // the distinct words of the document being read
	list   termList
	spans  []span // shared, indexed by document number; each worker writes its own
	worker uint8
	tok    *tokenize.Tokenizer
}

// hint is the number of distinct words to make room for at once.
func newPartial(seed maphash.Seed, worker uint8, spans []span, hint int) *partial {
	p := &partial{dict: newDict(seed, hint), set: newDocSet(), spans: spans, worker: worker}
	p.tok = tokenize.New(p.word)
	return p
}

// touchAhead is how many words' dictionary slots are loaded before the first
// of them is looked up: enough misses in flight to hide most of the memory
// latency, few enough that the slots are still in cache when used.
const touchAhead = 32

func (p *partial) add(doc uint32, text []byte) {
	p.set.reset(len(text))
	corpus.Parse(text, p.tok)
	start := p.list.n
	words := p.set.words
	var sink uint32
	for len(words) > 0 {
		batch := words[:min(len(words), touchAhead)]
		words = words[len(batch):]
		for _, dw := range batch {
			sink += p.dict.probe(uint32(dw.hash))
		}
		for _, dw := range batch {
			s := p.dict.internHash(p.set.word(dw), uint32(dw.hash))
			s.docs++
			p.list.add(s.term - 1)
		}
	}
	p.dict.sink += sink
	p.spans[doc] = span{start: start, length: uint32(p.list.n - start), worker: p.worker}
}

func (p *partial) word(w []byte) { p.set.add(w, p.dict.hash(w)) }

// merge joins the workers' dictionaries into one (the first worker's, grown)
// and transposes every document's list of terms into one flat posting array.
// Documents are visited in order, so every posting list comes out sorted.
func merge(parts []*partial, spans []span) *Index {
	global := parts[0].dict
	// toGlobal[w] maps worker w's term numbers to global ones; worker 0's
	// numbers are the global ones and it has no map.
	toGlobal := make([][]uint32, len(parts))
	docFreq := make([]uint32, global.len(), global.len()+global.len()/2)
	for lt := range docFreq {
		docFreq[lt] = global.slots[global.slotOf[lt]].docs
	}
	for w, p := range parts[1:] {
		toGlobal[w+1] = mergeDict(global, p.dict, &docFreq, len(parts))
		p.dict.release()
		p.dict = nil
	}
	nterms := global.len()
	offsets := make([]uint32, nterms+1)
	adviseHuge(offsets)
	for g, n := range docFreq {
		offsets[g+1] = offsets[g] + n
	}
	postings := make([]uint32, offsets[nterms])
	adviseHuge(postings)
	transpose(parts, spans, toGlobal, offsets, postings)
	for _, p := range parts {
		p.list.release()
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

// mergeDict adds the words of local to global and returns, for each term
// number of local, its global number; docFreq (global numbers) gains local's
// document counts. Words global already has, most of them, are found by every
// worker in parallel (lookups only read global); the new ones are then added
// one by one, since term numbers are handed out in order. local's slots are
// read in memory order and global's slots touched a batch ahead, so that both
// tables, far larger than any cache, are mostly read at memory speed rather
// than one miss at a time.
func mergeDict(global, local *dict, docFreq *[]uint32, workers int) []uint32 {
	toGlobal := make([]uint32, local.len())
	missing := make([][]uint32, workers) // local slot numbers of words global lacks
	sinks := make([]uint32, workers)     // written once per worker: no cache line shared while probing
	var wg sync.WaitGroup
	for w := range workers {
		from, to := w*len(local.slots)/workers, (w+1)*len(local.slots)/workers
		wg.Go(func() {
			var batch [touchAhead]uint32
			var scratch [16]byte
			var sink uint32
			df := *docFreq // only the entries of found words are written: each by one worker
			flush := func(n int) {
				for _, i := range batch[:n] {
					sink += global.probe(local.slots[i].hash)
				}
				for _, i := range batch[:n] {
					s := &local.slots[i]
					at, _ := global.lookup(local.word(s.term-1, &scratch), s.hash)
					if g := global.slots[at].term; g != 0 {
						df[g-1] += s.docs
						toGlobal[s.term-1] = g - 1
					} else {
						missing[w] = append(missing[w], i)
					}
				}
			}
			n := 0
			for i := from; i < to; i++ {
				if local.slots[i].term == 0 {
					continue
				}
				batch[n] = uint32(i)
				if n++; n == len(batch) {
					flush(n)
					n = 0
				}
			}
			flush(n)
			sinks[w] = sink
		})
	}
	wg.Wait()
	var scratch [16]byte
	for _, slots := range missing {
		for _, i := range slots {
			s := &local.slots[i]
			g := global.internHash(local.word(s.term-1, &scratch), s.hash).term - 1
			*docFreq = append(*docFreq, s.docs)
			toGlobal[s.term-1] = g
		}
	}
	for _, v := range sinks {
		global.sink += v
	}
	return toGlobal
}

// bucketBits sets how many consecutive term numbers share a bucket in
// transpose. Writing the postings of one bucket keeps one cache line per
// term busy, 4096 lines: they stay in the core's cache, where a write per
// posting straight into the whole posting array would miss it nearly every time.
const bucketBits = 12

// The first 1<<bucketBits terms, the words met first and so the most common
// ones, hold most postings: they are split in buckets of 1<<headBits terms,
// so that the buckets' sizes, which decide how evenly workers share the
// writing, are closer.
const (
	headBits    = 6
	headBuckets = 1 << (bucketBits - headBits)
)

// bucketOf returns the bucket of term g.
func bucketOf(g uint32) uint32 {
	if g < 1<<bucketBits {
		return g >> headBits
	}
	return headBuckets - 1 + g>>bucketBits
}

// bucketBase returns the first term of the 1<<bucketBits terms that bucket b
// is part of: a posting's term is its place among those.
func bucketBase(b int) int {
	if b < headBuckets {
		return 0
	}
	return (b - headBuckets + 1) << bucketBits
}

// chunkPostings bounds the postings transpose sorts into buckets at a time,
// and with it the scratch memory (4 bytes a posting). Larger chunks were not
// faster at full scale, only bigger. A variable so that tests can make many
// small chunks.
var chunkPostings = 1 << 20

// A posting on its way to the posting array is packed in 32 bits: its term's
// place in its bucket above docBits bits of its document's place in its chunk.
const (
	docBits   = 32 - bucketBits
	chunkDocs = 1 << docBits // most documents in a chunk
)

// transpose writes, for every term g, the documents that hold it, in order,
// to postings[offsets[g]:offsets[g+1]]. Documents go in chunks; each chunk is
// first split by term bucket (sequential writes to few streams), then each
// bucket is written out on its own (random writes within a small region).
// Both steps run on every worker.
func transpose(parts []*partial, spans []span, toGlobal [][]uint32, offsets, postings []uint32) {
	workers := len(parts)
	nterms := len(offsets) - 1
	if nterms == 0 {
		return
	}
	nbuckets := int(bucketOf(uint32(nterms-1))) + 1
	cursor := slices.Clone(offsets[:nterms])
	buckets := make([][][]uint32, workers) // [range][bucket]
	for r := range buckets {
		buckets[r] = make([][]uint32, nbuckets)
	}
	var wg sync.WaitGroup
	for first := 0; first < len(spans); {
		// Documents [first, last) make this chunk.
		last, n := first, 0
		for last < len(spans) && last-first < chunkDocs && (last == first || n+int(spans[last].length) <= chunkPostings) {
			n += int(spans[last].length)
			last++
		}
		for r := range workers {
			from, to := first+r*(last-first)/workers, first+(r+1)*(last-first)/workers
			wg.Go(func() {
				out := buckets[r]
				for b := range out {
					out[b] = out[b][:0]
				}
				for doc := from; doc < to; doc++ {
					sp := spans[doc]
					local := toGlobal[sp.worker]
					place := uint32(doc - first)
					parts[sp.worker].list.each(sp.start, uint64(sp.length), func(terms []uint32) {
						for _, g := range terms {
							if local != nil {
								g = local[g]
							}
							b := bucketOf(g)
							// The term's place among the 1<<bucketBits terms from
							// bucketBase: its low bits, masked rather than
							// shifted out of the word.
							out[b] = append(out[b], (g&(1<<bucketBits-1))<<docBits|place)
						}
					})
				}
			})
		}
		wg.Wait()
		var next atomic.Int64 // buckets go to whichever worker is free: their sizes are skewed
		for range workers {
			wg.Go(func() {
				for b := int(next.Add(1) - 1); b < nbuckets; b = int(next.Add(1) - 1) {
					c := cursor[bucketBase(b):min(nterms, bucketBase(b)+1<<bucketBits)]
					for r := range workers { // ranges in document order
						for _, p := range buckets[r][b] {
							t := p >> docBits
							postings[c[t]] = uint32(first) + p&(chunkDocs-1)
							c[t]++
						}
					}
				}
			})
		}
		wg.Wait()
		first = last
	}
}

func (x *Index) memBytes() int64 {
	n := int64(len(x.postings)+len(x.offsets))*4 + x.dict.memBytes() + int64(len(x.dense)*x.bitmapWords*8)
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
