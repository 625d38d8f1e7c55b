package index

import (
	"context"
	"fmt"
	"hash/maphash"
	"io/fs"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/doc-search/gitops/app/doc-search/internal/corpus"
	"github.com/doc-search/gitops/app/doc-search/internal/synth"
	"github.com/doc-search/gitops/app/doc-search/internal/tokenize"
)

// Benchmarks run on a generated corpus of benchSpec, or on the directory in
// DOCSEARCH_BENCH_CORPUS (e.g. the full-scale corpus bench/loadtest.sh writes).
var benchSpec = synth.Spec{Docs: 1000, Bytes: 40_000_000, Seed: 1}

var (
	benchDir  string // generated corpus, removed by TestMain
	benchOnce sync.Once
	benchFS   fs.FS
	benchDocs []corpus.Document
	benchErr  error
	benchIdx  *Index
)

func benchCorpus(b *testing.B) (fs.FS, []corpus.Document) {
	b.Helper()
	benchOnce.Do(func() {
		dir := os.Getenv("DOCSEARCH_BENCH_CORPUS")
		if dir == "" {
			dir, benchErr = os.MkdirTemp("", "doc-search-bench")
			if benchErr != nil {
				return
			}
			benchDir = dir
			if _, benchErr = synth.Generate(dir, benchSpec); benchErr != nil {
				return
			}
		}
		benchFS = corpus.Dir(dir)
		benchDocs, benchErr = corpus.List(benchFS)
		if benchErr == nil {
			benchIdx, benchErr = Build(context.Background(), benchFS, benchDocs, Options{})
		}
	})
	if benchErr != nil {
		b.Fatalf("preparing the benchmark corpus: %v", benchErr)
	}
	return benchFS, benchDocs
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// benchTexts reads the first n documents of the benchmark corpus into memory.
func benchTexts(b *testing.B, n int) (texts [][]byte, size int) {
	fsys, docs := benchCorpus(b)
	for _, d := range docs[:min(len(docs), n)] {
		data, err := fs.ReadFile(fsys, d.Name)
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, data)
		size += len(data)
	}
	return texts, size
}

func BenchmarkTokenize(b *testing.B) {
	texts, size := benchTexts(b, 200)
	words := 0
	tok := tokenize.New(func([]byte) { words++ })
	b.SetBytes(int64(size))
	b.ResetTimer()
	for b.Loop() {
		for _, t := range texts {
			corpus.Parse(t, tok)
		}
	}
	b.ReportMetric(float64(words)/float64(b.N), "words/op")
}

// BenchmarkBuild also reports the CPU seconds of the process per build
// (cpu-s/op): on a machine shared with other work that figure moves much less
// than the wall time does.
func BenchmarkBuild(b *testing.B) {
	fsys, docs := benchCorpus(b)
	var size int64
	cpu0 := cpuSeconds(b)
	for b.Loop() {
		idx, err := Build(context.Background(), fsys, docs, Options{})
		if err != nil {
			b.Fatal(err)
		}
		size = idx.Stats().Bytes
	}
	b.SetBytes(size)
	b.ReportMetric((cpuSeconds(b)-cpu0)/float64(b.N), "cpu-s/op")
}

func cpuSeconds(b *testing.B) float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

// BenchmarkSearch runs the server's path: Match into a reused Scratch, the
// documents left as a list or bitmap for the writer.
func BenchmarkSearch(b *testing.B) {
	benchCorpus(b)
	for _, mix := range synth.Mixes {
		qs, err := synth.Queries(mix, 1000, 1)
		if err != nil {
			b.Fatal(err)
		}
		queries := make([][]string, len(qs))
		for i, q := range qs {
			queries[i] = tokenize.Words(q)
		}
		b.Run(string(mix), func(b *testing.B) {
			var scratch Scratch
			results := 0
			i := 0
			for b.Loop() {
				results += benchIdx.Match(&scratch, queries[i%len(queries)]).Len()
				i++
			}
			b.ReportMetric(float64(results)/float64(b.N), "results/op")
		})
	}
}

func ExampleIndex_Search() {
	fsys := os.DirFS("../sample")
	docs, _ := corpus.List(fsys)
	idx, _ := Build(context.Background(), fsys, docs, Options{})
	for _, n := range idx.Search(tokenize.Words("thank you python")) {
		fmt.Println(idx.ID(n))
	}
	// Output:
	// 1
	// 2
}

// BenchmarkPartialAdd is one worker's part of the build, on documents already
// in memory: parsing, tokenizing, the per-document word set and the dictionary.
func BenchmarkPartialAdd(b *testing.B) {
	texts, size := benchTexts(b, 400)
	spans := make([]span, len(texts))
	b.SetBytes(int64(size))
	cpu0 := cpuSeconds(b)
	for b.Loop() {
		p := newPartial(maphash.MakeSeed(), 0, spans, 1<<20)
		for n, t := range texts {
			p.add(uint32(n), t)
		}
		p.dict.release()
		p.list.release()
	}
	b.ReportMetric(float64(size)/1e6/((cpuSeconds(b)-cpu0)/float64(b.N)), "MB/cpu-s")
}
