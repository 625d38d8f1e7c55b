package server

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/doc-search/gitops/app/doc-search/internal/corpus"
	"github.com/doc-search/gitops/app/doc-search/internal/index"
	"github.com/doc-search/gitops/app/doc-search/internal/metrics"
	"github.com/doc-search/gitops/app/doc-search/internal/query"
	"github.com/doc-search/gitops/app/doc-search/internal/synth"
)

// The handler benchmarks search a small generated corpus: what they measure
// is the work around the search (routing, query parsing, metrics, access log,
// response), so allocs/op and ns/op of that work are comparable run to run.
var benchSpec = synth.Spec{Docs: 200, Bytes: 4_000_000, Seed: 1}

var (
	benchOnce sync.Once
	benchIdx  *index.Index
	benchErr  error
)

func benchIndex(b *testing.B) *index.Index {
	b.Helper()
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "doc-search-server-bench")
		if err != nil {
			benchErr = err
			return
		}
		defer os.RemoveAll(dir)
		if _, benchErr = synth.Generate(dir, benchSpec); benchErr != nil {
			return
		}
		fsys := corpus.Dir(dir)
		docs, err := corpus.List(fsys)
		if err != nil {
			benchErr = err
			return
		}
		benchIdx, benchErr = index.Build(context.Background(), fsys, docs, index.Options{})
	})
	if benchErr != nil {
		b.Fatalf("preparing the benchmark index: %v", benchErr)
	}
	return benchIdx
}

// discardWriter is the cheapest ResponseWriter: it keeps one header map,
// cleared between requests, so the benchmark counts the handler's own
// allocations only.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(code int)        { w.code = code }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// BenchmarkHandler serves each query mix through the full API handler with
// the access log on at info, written to io.Discard.
func BenchmarkHandler(b *testing.B) {
	idx := benchIndex(b)
	for _, mix := range synth.Mixes {
		qs, err := synth.Queries(mix, 1000, 1)
		if err != nil {
			b.Fatal(err)
		}
		reqs := make([]*http.Request, len(qs))
		for i, q := range qs {
			reqs[i], err = http.NewRequest(http.MethodGet, "/search?q="+synth.Escape(q), nil)
			if err != nil {
				b.Fatal(err)
			}
			reqs[i].RemoteAddr = "127.0.0.1:40000"
		}
		b.Run(string(mix), func(b *testing.B) {
			srv := New(slog.New(slog.NewJSONHandler(io.Discard, nil)), metrics.New(testInfo),
				query.Limits{MaxWords: 32, MaxBytes: 1024}, testInfo)
			srv.SetIndex(idx)
			h := srv.Handler()
			w := &discardWriter{h: http.Header{}}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, reqs[i%len(reqs)])
				if w.code != http.StatusOK {
					b.Fatalf("status %d for %s", w.code, reqs[i%len(reqs)].URL)
				}
				i++
			}
		})
	}
}

// BenchmarkResultIDs writes the body of a common-word result at full scale:
// 19,320 documents, 19,000 of them in the result.
func BenchmarkResultIDs(b *testing.B) {
	const n = 19320
	r := newResultIDs(n, func(d uint32) string { return strconv.Itoa(1_000_000 + int(d)*37) })
	rng := rand.New(rand.NewPCG(1, 2))
	var docs []uint32
	for d := range uint32(n) {
		if rng.IntN(n) < 19000 {
			docs = append(docs, d)
		}
	}
	var body []byte
	b.ReportAllocs()
	for b.Loop() {
		body = r.appendJSON(body[:0], index.MatchesOf(docs))
	}
	b.SetBytes(int64(len(body)))
}
