package index

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"sync"
	"testing"

	"github.com/doc-search/gitops/app/internal/corpus"
	"github.com/doc-search/gitops/app/internal/synth"
	"github.com/doc-search/gitops/app/internal/tokenize"
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
		benchFS = os.DirFS(dir)
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

func BenchmarkTokenize(b *testing.B) {
	fsys, docs := benchCorpus(b)
	var texts [][]byte
	size := 0
	for _, d := range docs[:min(len(docs), 200)] {
		data, err := fs.ReadFile(fsys, d.Name)
		if err != nil {
			b.Fatal(err)
		}
		texts = append(texts, data)
		size += len(data)
	}
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

func BenchmarkBuild(b *testing.B) {
	fsys, docs := benchCorpus(b)
	var size int64
	for b.Loop() {
		idx, err := Build(context.Background(), fsys, docs, Options{})
		if err != nil {
			b.Fatal(err)
		}
		size = idx.Stats().Bytes
	}
	b.SetBytes(size)
}

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
			results := 0
			i := 0
			for b.Loop() {
				results += len(benchIdx.Search(queries[i%len(queries)]))
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
