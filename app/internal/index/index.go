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
	terms    map[string]uint32 // word -> term number
	offsets  []uint32          // postings of term t: postings[offsets[t]:offsets[t+1]]
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
	workers = min(workers, len(docs))

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
	for w := range parts {
		p := newPartial(seed)
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

	idx := merge(parts)
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

// partial is one worker's share of the index: its own dictionary and posting
// lists, so workers never contend; merge joins them once at the end.
type partial struct {
	table *termTable
	doc   uint32
	tok   *tokenize.Tokenizer
}

func newPartial(seed maphash.Seed) *partial {
	p := &partial{table: newTermTable(seed)}
	p.tok = tokenize.New(func(w []byte) { p.table.add(w, p.doc) })
	return p
}

func (p *partial) add(doc uint32, text []byte) {
	p.doc = doc
	corpus.Parse(text, p.tok)
}

// merge joins the workers' partial indexes into one with a global dictionary
// and one flat posting array. Each worker took documents in increasing order,
// so each partial list is sorted and merging them keeps the result sorted.
func merge(parts []*partial) *Index {
	size := 0
	for _, p := range parts {
		size = max(size, len(p.table.terms))
	}
	terms := make(map[string]uint32, size)
	// local[w][g]: worker w's term number for global term g, or none.
	const none = ^uint32(0)
	local := make([][]uint32, len(parts))
	var scratch [8]byte
	for w, p := range parts {
		for lt := range p.table.terms {
			word := p.table.word(lt, &scratch)
			g, ok := terms[string(word)]
			if !ok {
				g = uint32(len(terms))
				terms[string(word)] = g
				for v := range local {
					local[v] = append(local[v], none)
				}
			}
			local[w][g] = uint32(lt)
		}
	}
	offsets := make([]uint32, len(terms)+1)
	for g := range len(terms) {
		n := 0
		for w, p := range parts {
			if lt := local[w][g]; lt != none {
				n += len(p.table.terms[lt].postings)
			}
		}
		offsets[g+1] = offsets[g] + uint32(n)
	}
	postings := make([]uint32, offsets[len(terms)])

	// Terms are independent: merge them in parallel, one stripe per worker.
	var wg sync.WaitGroup
	stripes := max(1, len(parts))
	for s := range stripes {
		wg.Go(func() {
			lists := make([][]uint32, 0, len(parts))
			for g := s; g < len(terms); g += stripes {
				lists = lists[:0]
				for w, p := range parts {
					if lt := local[w][g]; lt != none {
						lists = append(lists, p.table.terms[lt].postings)
					}
				}
				mergeSorted(postings[offsets[g]:offsets[g+1]], lists)
			}
		})
	}
	wg.Wait()
	return &Index{
		terms:    terms,
		offsets:  offsets,
		postings: postings,
		stats:    Stats{Terms: len(terms), Postings: len(postings)},
	}
}

// mergeSorted writes the union of disjoint sorted lists into dst, which has
// exactly their total length.
func mergeSorted(dst []uint32, lists [][]uint32) {
	if len(lists) == 1 {
		copy(dst, lists[0])
		return
	}
	for i := range dst {
		best := -1
		for k, l := range lists {
			if len(l) > 0 && (best < 0 || l[0] < lists[best][0]) {
				best = k
			}
		}
		dst[i] = lists[best][0]
		lists[best] = lists[best][1:]
	}
}

func (x *Index) memBytes() int64 {
	n := int64(len(x.postings)+len(x.offsets)) * 4
	for w := range x.terms {
		n += int64(len(w)) + 16 + 4 + 8 // key bytes, string header, value, map slot overhead
	}
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
	t, ok := x.terms[w]
	if !ok {
		return nil
	}
	return x.postings[x.offsets[t]:x.offsets[t+1]:x.offsets[t+1]]
}
