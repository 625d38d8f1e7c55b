package synth

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/doc-search/internal/corpus"
	"github.com/doc-search/gitops/app/doc-search/internal/index"
	"github.com/doc-search/gitops/app/doc-search/internal/tokenize"
)

func TestWord_UniquePerRank(t *testing.T) {
	seen := map[string]uint64{}
	for r := range uint64(200_000) {
		w := Word(r)
		prev, dup := seen[w]
		require.False(t, dup, "ranks %d and %d share %q", prev, r, w)
		seen[w] = r
	}
	assert.Equal(t, "ba", Word(0))
	assert.Less(t, len(Word(10)), len(Word(100_000)), "frequent words are shorter")
}

func TestGenerate_DeterministicBlogFormatWithIrregularities(t *testing.T) {
	spec := Spec{Docs: 60, Bytes: 600_000, Seed: 7}
	a, b := t.TempDir(), t.TempDir()
	na, err := Generate(a, spec)
	require.NoError(t, err)
	nb, err := Generate(b, spec)
	require.NoError(t, err)
	assert.Equal(t, na, nb)
	assert.InDelta(t, spec.Bytes, na, float64(spec.Bytes)/5)

	docs, err := corpus.List(os.DirFS(a))
	require.NoError(t, err)
	require.Len(t, docs, spec.Docs)
	var crlf, latin1, stray int
	for _, d := range docs {
		da, err := os.ReadFile(filepath.Join(a, d.Name))
		require.NoError(t, err)
		db, err := os.ReadFile(filepath.Join(b, d.Name))
		require.NoError(t, err)
		require.Equal(t, da, db, "%s differs between runs", d.Name)
		assert.True(t, bytes.HasPrefix(da, []byte("<Blog>")), d.Name)
		assert.Contains(t, string(da), "<date>")
		if bytes.Contains(da, []byte("\r\n")) {
			crlf++
		}
		if bytes.IndexByte(da, 0xE9) >= 0 || bytes.IndexByte(da, 0xC9) >= 0 {
			latin1++
		}
		if bytes.Contains(da, []byte(" & ")) || bytes.Contains(da, []byte("<3")) {
			stray++
		}
	}
	assert.Positive(t, crlf, "some documents use CRLF")
	assert.Positive(t, latin1, "some documents are Latin-1")
	assert.Positive(t, stray, "some documents hold a stray & or <")
}

func TestQueries_WordsComeFromTheVocabulary(t *testing.T) {
	dir := t.TempDir()
	_, err := Generate(dir, Spec{Docs: 50, Bytes: 2_000_000, Seed: 1})
	require.NoError(t, err)
	docs, err := corpus.List(corpus.Dir(dir))
	require.NoError(t, err)
	idx, err := index.Build(context.Background(), corpus.Dir(dir), docs, index.Options{})
	require.NoError(t, err)
	// Every query word is one word as the tokenizer sees it, and common
	// queries find documents.
	qs, err := Queries(Common, 20, 1)
	require.NoError(t, err)
	for _, q := range qs {
		words := tokenize.Words(q)
		assert.GreaterOrEqual(t, len(words), 2)
		for _, w := range words {
			assert.Equal(t, []string{w}, tokenize.Words(w))
		}
		assert.NotEmpty(t, idx.Search(words), "common query %q", q)
	}
	assert.NotEmpty(t, idx.Postings(Display(7*53+7)), "accented words are indexed folded, Latin-1 or not")
	_, err = Queries("odd", 1, 1)
	assert.Error(t, err)
	again, err := Queries(Common, 20, 1)
	require.NoError(t, err)
	assert.Equal(t, qs, again)
}
