package index

import (
	"fmt"
	"hash/maphash"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func docSetWords(s *docSet) []string {
	var out []string
	for _, dw := range s.words {
		out = append(out, string(s.word(dw)))
	}
	return out
}

// Generations wrap after 65,535 documents: words of earlier documents must
// never count as seen, and every word of the current one exactly once.
func TestDocSet_KeepsDocumentsApartPastGenerationWrap(t *testing.T) {
	d := newDict(maphash.MakeSeed(), 0)
	s := newDocSet()
	for doc := range 70_000 {
		s.reset(0)
		a, b := fmt.Sprintf("w%d", doc%7), fmt.Sprintf("doc%d", doc)
		for _, w := range []string{a, b, a, b, a} {
			s.add([]byte(w), d.hash([]byte(w)))
		}
		if got := docSetWords(s); len(got) != 2 || got[0] != a || got[1] != b {
			require.Fail(t, "wrong words", "document %d: %q", doc, got)
		}
	}
}

// A document with many more distinct words than its first table holds
// grows it, and the next document starts small again with nothing left over.
func TestDocSet_GrowsForLargeDocumentOnly(t *testing.T) {
	d := newDict(maphash.MakeSeed(), 0)
	s := newDocSet()
	s.reset(0)
	const n = 20_000
	for round := range 2 {
		for i := range n {
			w := fmt.Appendf(nil, "word%d", i)
			s.add(w, d.hash(w))
		}
		require.Len(t, s.words, n, "round %d", round)
	}
	assert.Equal(t, "word12345", string(s.word(s.words[12345])))
	assert.Greater(t, len(s.entries), docSetInitial)

	s.reset(0)
	assert.Len(t, s.entries, docSetInitial)
	w := []byte("word7")
	s.add(w, d.hash(w))
	assert.Equal(t, []string{"word7"}, docSetWords(s))
}
