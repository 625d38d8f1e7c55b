package query

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/doc-search/internal/tokenize"
)

func TestParse(t *testing.T) {
	lim := Limits{MaxWords: 4, MaxBytes: 32}
	tests := []struct {
		name    string
		q       string
		present bool
		want    []string
		wantErr error
	}{
		{"two words", "hello world", true, []string{"hello", "world"}, nil},
		{"folded and deduplicated", "Hello HELLO hello world", true, []string{"hello", "world"}, nil},
		{"punctuation around", "  hello,world! ", true, []string{"hello", "world"}, nil},
		{"missing", "", false, nil, ErrMissing},
		{"empty", "", true, nil, ErrNoWord},
		{"blank", "   ", true, nil, ErrNoWord},
		{"punctuation only", "?!-", true, nil, ErrNoWord},
		{"too many words counts repeats", "a a a a a", true, nil, ErrTooWordy},
		{"at the word limit", "a b c d", true, []string{"a", "b", "c", "d"}, nil},
		{"too many bytes", strings.Repeat("x", 33), true, nil, ErrTooLong},
		{"at the byte limit", strings.Repeat("x", 32), true, []string{strings.Repeat("x", 32)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.q, tt.present, lim)
			if tt.wantErr != nil {
				assert.ErrorIs(t, err, tt.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestParse_ErrorSaysTheLimit(t *testing.T) {
	_, err := Parse("a b c", true, Limits{MaxWords: 2, MaxBytes: 100})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "3 words, the limit is 2")
	_, err = Parse("abcdef", true, Limits{MaxWords: 2, MaxBytes: 5})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "6 bytes, the limit is 5")
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"hello world", "Hello HELLO", "", " ", "caf\xe9 CAFÉ", strings.Repeat("a ", 40)} {
		f.Add(s)
	}
	lim := Limits{MaxWords: 32, MaxBytes: 1024}
	f.Fuzz(func(t *testing.T, q string) {
		words, err := Parse(q, true, lim)
		if err != nil {
			require.Empty(t, words)
			require.Error(t, err)
			return
		}
		require.NotEmpty(t, words)
		require.LessOrEqual(t, len(words), lim.MaxWords)
		require.Equal(t, tokenize.Words(q), words, "the tokenizer's words of %q", q)
		seen := map[string]bool{}
		for _, w := range words {
			require.False(t, seen[w], "word %q repeated", w)
			seen[w] = true
		}
		// Changing the case of any letter (to the next rune of its case
		// folding orbit: a→A, k→K→Kelvin sign) asks the same question.
		if !utf8.ValidString(q) {
			return // strings.Map would replace the Latin-1 bytes
		}
		recased := strings.Map(unicode.SimpleFold, q)
		again, err := Parse(recased, true, Limits{MaxWords: lim.MaxWords}) // recasing may lengthen it
		require.NoError(t, err, "recased %q", recased)
		require.Equal(t, words, again)
	})
}

func TestParse_SameWordsAsTokenizer(t *testing.T) {
	for _, q := range []string{"hello world", "Hello HELLO hello", "caf\xe9 CAFÉ café", "a-b a_b", "ΣΊΣΥΦΟΣ σίσυφος", "x1 X1 x2"} {
		got, err := Parse(q, true, Limits{})
		require.NoError(t, err, q)
		assert.Equal(t, tokenize.Words(q), got, q)
	}
}

func TestParse_WordsOutliveTheNextParse(t *testing.T) {
	first, err := Parse("alpha beta", true, Limits{})
	require.NoError(t, err)
	_, err = Parse("gamma delta epsilon", true, Limits{})
	require.NoError(t, err)
	assert.Equal(t, []string{"alpha", "beta"}, first)
}
