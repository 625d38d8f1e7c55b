package index

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/doc-search/internal/corpus"
	"github.com/doc-search/gitops/app/doc-search/internal/sample"
	"github.com/doc-search/gitops/app/doc-search/internal/tokenize"
)

func build(t *testing.T, fsys fs.FS, opt Options) *Index {
	t.Helper()
	docs, err := corpus.List(fsys)
	require.NoError(t, err)
	idx, err := Build(context.Background(), fsys, docs, opt)
	require.NoError(t, err)
	return idx
}

func ids(idx *Index, docs []uint32) []string {
	out := []string{}
	for _, d := range docs {
		out = append(out, idx.ID(d))
	}
	return out
}

func search(idx *Index, q string) []string { return ids(idx, idx.Search(tokenize.Words(q))) }

func TestSearch_SampleCorpusContract(t *testing.T) {
	idx := build(t, sample.FS, Options{})
	tests := []struct {
		q    string
		want []string
	}{
		{"hello world", []string{"1"}},
		{"goodbye friends", []string{"2"}},
		{"hello goodbye", []string{}},
		{"thank you python", []string{"1", "2"}},
		{"Hello WORLD", []string{"1"}},
		{"hell", []string{}},
		{"python python thank", []string{"1", "2"}},
		{"café", []string{"9"}},
		{"CRÈME brûlée", []string{"9"}},
		{"bridge", []string{"5", "8"}},
	}
	for _, tt := range tests {
		t.Run(tt.q, func(t *testing.T) {
			assert.Equal(t, tt.want, search(idx, tt.q))
		})
	}
}

func TestSearch_AllWordsMustMatch(t *testing.T) {
	fsys := fstest.MapFS{
		"1.a.txt":  {Data: []byte("red green blue")},
		"2.b.txt":  {Data: []byte("red green")},
		"3.c.txt":  {Data: []byte("red")},
		"10.d.txt": {Data: []byte("green blue red red red")},
	}
	idx := build(t, fsys, Options{})
	assert.Equal(t, []string{"1", "2", "3", "10"}, search(idx, "red"))
	assert.Equal(t, []string{"1", "2", "10"}, search(idx, "red green"))
	assert.Equal(t, []string{"1", "10"}, search(idx, "blue green red"))
	assert.Equal(t, []string{}, search(idx, "blue missing"))
	assert.Empty(t, idx.Search(nil))
}

func TestBuild_CountsWhatItIndexed(t *testing.T) {
	fsys := fstest.MapFS{
		"1.a.txt": {Data: []byte("red green red")},
		"2.b.txt": {Data: []byte("red")},
	}
	st := build(t, fsys, Options{}).Stats()
	assert.Equal(t, 2, st.Documents)
	assert.Equal(t, 0, st.Skipped)
	assert.Equal(t, 2, st.Terms)
	assert.Equal(t, 3, st.Postings) // red:1,2 green:1
	assert.Equal(t, int64(13+3), st.Bytes)
	assert.Positive(t, st.MemBytes)
}

// dirFSes are the two ways a corpus directory reaches Build: as a
// corpus.Dir (read beneath one os.Root) and
// as any other fs.FS.
var dirFSes = map[string]func(dir string) fs.FS{
	"corpus.Dir": func(dir string) fs.FS { return corpus.Dir(dir) },
	"os.DirFS":   os.DirFS,
}

func TestBuild_SkipsUnreadableFileAndGoesOn(t *testing.T) {
	for name, dirFS := range dirFSes {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "1.ok.xml"), []byte("<post>kept words</post>"), 0o644))
			// A dangling link cannot be read even by root, unlike a chmod 000 file.
			require.NoError(t, os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "2.gone.xml")))
			var skipped []string
			idx := build(t, dirFS(dir), Options{Skip: func(d corpus.Document, err error) {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "2.gone.xml", "the error names the file")
				skipped = append(skipped, d.Name)
			}})
			assert.Equal(t, []string{"2.gone.xml"}, skipped)
			assert.Equal(t, 1, idx.Stats().Documents)
			assert.Equal(t, 1, idx.Stats().Skipped)
			assert.Equal(t, []string{"1"}, search(idx, "kept words"))
		})
	}
}

func TestBuild_FailsWhenNoDocumentIsReadable(t *testing.T) {
	for name, dirFS := range dirFSes {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.Symlink(filepath.Join(dir, "missing"), filepath.Join(dir, "1.gone.xml")))
			docs, err := corpus.List(dirFS(dir))
			require.NoError(t, err)
			_, err = Build(context.Background(), dirFS(dir), docs, Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), "none of the 1 documents could be read")
		})
	}
}

func TestBuild_FailsOnAMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	_, err := Build(context.Background(), corpus.Dir(dir), []corpus.Document{{ID: "1", Name: "1.a.txt"}}, Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), dir)
}

// The same documents give the same index through either kind of fs.FS,
// including documents larger than a worker's first buffer and empty ones.
func TestBuild_SameIndexThroughDirAndDirFS(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(5, 6))
	for d := range 529 {
		var b strings.Builder
		n := rng.IntN(60)
		if d%100 == 3 {
			n = 300_000 // over 1 MiB
		}
		for range n {
			fmt.Fprintf(&b, "w%d ", rng.IntN(500))
		}
		require.NoError(t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.doc.txt", d)), []byte(b.String()), 0o644))
	}
	want := build(t, os.DirFS(dir), Options{})
	got := build(t, corpus.Dir(dir), Options{})
	assert.Equal(t, want.Stats().Terms, got.Stats().Terms)
	assert.Equal(t, want.Stats().Postings, got.Stats().Postings)
	assert.Equal(t, want.Stats().Bytes, got.Stats().Bytes)
	for w := range 500 {
		word := fmt.Sprintf("w%d", w)
		assert.Equal(t, want.Postings(word), got.Postings(word), word)
	}
}

func TestBuild_StopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	docs, err := corpus.List(sample.FS)
	require.NoError(t, err)
	_, err = Build(ctx, sample.FS, docs, Options{})
	assert.ErrorIs(t, err, context.Canceled)
}

func TestBuild_TestdataCorpusWithIrregularities(t *testing.T) {
	idx := build(t, corpus.Dir("../corpus/testdata/blog"), Options{})
	assert.Equal(t, []string{"1000331"}, search(idx, "CAFÉ crème"))
	assert.Equal(t, []string{"993945"}, search(idx, "at t interviews"))
	assert.Equal(t, []string{"5114"}, search(idx, "café été"))
	assert.Equal(t, []string{"42"}, search(idx, "plain text"))
}

// Workers split the documents between them; the index must not depend on how.
func TestBuild_SameIndexWhateverTheWorkers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	vocab := []string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "Alpha", "BETA", "é", "ü"}
	fsys := fstest.MapFS{}
	for d := range 300 {
		var b strings.Builder
		for range rng.IntN(40) {
			b.WriteString(vocab[rng.IntN(len(vocab))] + " ")
		}
		fsys[fmt.Sprintf("%d.doc.xml", d)] = &fstest.MapFile{Data: []byte("<post>" + b.String() + "</post>")}
	}
	one := build(t, fsys, Options{Workers: 1})
	for _, workers := range []int{2, 3, 8} {
		many := build(t, fsys, Options{Workers: workers})
		require.Equal(t, one.Stats().Terms, many.Stats().Terms)
		require.Equal(t, one.Stats().Postings, many.Stats().Postings)
		var scratch [16]byte
		for n := range one.dict.len() {
			w := string(one.dict.word(uint32(n), &scratch))
			l := many.Postings(w)
			assert.True(t, slices.IsSorted(l), "postings of %q not sorted", w)
			assert.Equal(t, one.Postings(w), l, "postings of %q with %d workers", w, workers)
		}
	}
}

// Many terms (many buckets), documents with thousands of distinct words
// (the per-document set grows) and tiny transpose chunks must still give
// exactly the posting lists of a plain map from word to documents.
func TestBuild_MatchesPlainMapIndex(t *testing.T) {
	defer func(n int) { chunkPostings = n }(chunkPostings)
	chunkPostings = 500
	rng := rand.New(rand.NewPCG(3, 4))
	fsys := fstest.MapFS{}
	want := map[string][]uint32{}
	const docs = 200
	for d := range docs {
		words := 50 + rng.IntN(200)
		if d%50 == 7 {
			words = 12_000
		}
		var b strings.Builder
		seen := map[string]bool{}
		for range words {
			w := fmt.Sprintf("w%d", rng.IntN(30_000))
			b.WriteString(w + " ")
			if !seen[w] {
				seen[w] = true
				want[w] = append(want[w], uint32(d)) // IDs 0..199 sort as their numbers
			}
		}
		fsys[fmt.Sprintf("%d.doc.txt", d)] = &fstest.MapFile{Data: []byte(b.String())}
	}
	for _, workers := range []int{1, 2, 5} {
		idx := build(t, fsys, Options{Workers: workers})
		require.Equal(t, len(want), idx.Stats().Terms)
		require.Greater(t, idx.Stats().Terms, 4<<bucketBits, "the corpus must span several buckets")
		for w, docs := range want {
			require.Equal(t, docs, idx.Postings(w), "postings of %q with %d workers", w, workers)
		}
	}
}

func TestBuild_DocumentsWithoutWords(t *testing.T) {
	fsys := fstest.MapFS{
		"1.a.xml": {Data: []byte("<Blog><post> ... </post></Blog>")},
		"2.b.xml": {Data: []byte("")},
	}
	idx := build(t, fsys, Options{})
	assert.Equal(t, 0, idx.Stats().Terms)
	assert.Empty(t, search(idx, "anything"))
}

// A document larger than a worker's first read buffer is read to its end.
func TestBuild_ReadsLargeDocumentToTheEnd(t *testing.T) {
	big := strings.Repeat("filler words here ", 200_000) + "lastword"
	require.Greater(t, len(big), 3<<20)
	idx := build(t, fstest.MapFS{"7.big.txt": {Data: []byte(big)}, "8.small.txt": {Data: []byte("lastword too")}}, Options{Workers: 1})
	assert.Equal(t, []string{"7", "8"}, search(idx, "lastword"))
}
