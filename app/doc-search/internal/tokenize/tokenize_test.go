package tokenize

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func collect(parts ...[]byte) []string {
	var words []string
	t := New(func(w []byte) { words = append(words, string(w)) })
	for _, p := range parts {
		t.Write(p)
	}
	t.Break()
	return words
}

func TestWrite_SplitsOnAnythingButLettersAndDigits(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"spaces", "hello world", []string{"hello", "world"}},
		{"punctuation", "hello, world! (thank-you) python.", []string{"hello", "world", "thank", "you", "python"}},
		{"apostrophe splits", "don't", []string{"don", "t"}},
		{"digits are words", "route 66 in 2003", []string{"route", "66", "in", "2003"}},
		{"letters and digits join", "mp3 b2b", []string{"mp3", "b2b"}},
		{"underscore splits", "snake_case", []string{"snake", "case"}},
		{"case folds", "Hello WORLD hElLo", []string{"hello", "world", "hello"}},
		{"unicode letters", "Привет мир γεια", []string{"привет", "мир", "γεια"}},
		{"accented", "Café CRÈME", []string{"café", "crème"}},
		{"cjk", "東京 タワー", []string{"東京", "タワー"}},
		{"unicode digits", "٣٤ १२", []string{"٣٤", "१२"}},
		{"non-breaking space separates", "a\u00a0b", []string{"a", "b"}},
		{"combining mark separates", "re\u0301sume", []string{"re", "sume"}},
		{"crlf", "one\r\ntwo\r\n", []string{"one", "two"}},
		{"empty", "", nil},
		{"only punctuation", " ,.;!? ", nil},
		{"final sigma folds with sigma", "ΣΟΦΟΣ σοφος σοφοσ", []string{"σοφοσ", "σοφοσ", "σοφοσ"}},
		{"kelvin sign folds to k", "\u212a k K", []string{"k", "k", "k"}},
		{"long s folds to s", "\u017f S s", []string{"s", "s", "s"}},
		{"sharp s stays", "straße STRASSE", []string{"straße", "strasse"}},
		{"emoji separates", "go😀lang", []string{"go", "lang"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, collect([]byte(tt.text)))
		})
	}
}

func TestWrite_ReadsInvalidUTF8AsLatin1(t *testing.T) {
	tests := []struct {
		name string
		text []byte
		want []string
	}{
		{"latin-1 e acute", []byte("caf\xe9 cr\xe8me"), []string{"café", "crème"}},
		{"latin-1 capitals fold", []byte("CAF\xc9"), []string{"café"}},
		{"windows-1252 quotes separate", []byte("\x93quoted\x94"), []string{"quoted"}},
		{"windows-1252 s caron is a letter", []byte("\x8akoda"), []string{"škoda"}},
		{"latin-1 byte between utf-8", []byte("na\xefve \xc3\xa9t\xc3\xa9"), []string{"naïve", "été"}},
		{"truncated utf-8 sequence", []byte("ab\xe2\x82cd"), []string{"abâ", "cd"}},
		{"latin-1 nbsp separates", []byte("a\xa0b"), []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, collect(tt.text))
		})
	}
}

func TestWrite_WordSpansPieces(t *testing.T) {
	var words []string
	tok := New(func(w []byte) { words = append(words, string(w)) })
	tok.Write([]byte("caf"))
	tok.Rune('É')
	tok.Write([]byte("s and"))
	tok.Rune('&')
	tok.Write([]byte("more"))
	tok.Break()
	tok.Write([]byte("x"))
	tok.Break()
	tok.Break()
	assert.Equal(t, []string{"cafés", "and", "more", "x"}, words)
}

func TestWords_DistinctInFirstOrder(t *testing.T) {
	assert.Equal(t, []string{"thank", "you", "python"}, Words("thank YOU you Thank python"))
	assert.Empty(t, Words(" - "))
}

func TestFold_AgreesWithEqualFold(t *testing.T) {
	// Two runes fold to the same rune exactly when strings.EqualFold says they are equal.
	runes := []rune{'a', 'A', 'k', 'K', '\u212a', 's', 'S', '\u017f', 'σ', 'ς', 'Σ', 'é', 'É', 'ß', '\u1e9e', 'İ', 'i', 'I', 'ı', 'ǅ', 'ǆ', 'Ǆ', '1'}
	for _, a := range runes {
		for _, b := range runes {
			same := strings.EqualFold(string(a), string(b))
			assert.Equal(t, same, Fold(a) == Fold(b), "%q vs %q", a, b)
		}
	}
}

// checkWords asserts what holds for the output of any input: every word is
// non-empty valid UTF-8 made of folded letters and digits.
func checkWords(t *testing.T, words []string) {
	t.Helper()
	for _, w := range words {
		require.NotEmpty(t, w)
		require.True(t, utf8.ValidString(w), "word %q is not valid UTF-8", w)
		for _, r := range w {
			require.True(t, unicode.IsLetter(r) || unicode.IsDigit(r), "word %q holds %q", w, r)
			require.Equal(t, r, Fold(r), "word %q holds unfolded %q", w, r)
		}
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"hello world", "Hello, WORLD!", "caf\xe9", "\xe2\x82", "ΣΟΦΟΣ", "a\u00a0b", "\u212a"} {
		f.Add([]byte(s), 3)
	}
	f.Fuzz(func(t *testing.T, text []byte, cut int) {
		words := collect(text)
		checkWords(t, words)
		if utf8.Valid(text) {
			// Same as a plain split and fold of valid UTF-8.
			var want []string
			for _, field := range strings.FieldsFunc(string(text), func(r rune) bool { return !IsWordRune(r) }) {
				want = append(want, strings.Map(Fold, field))
			}
			require.Equal(t, want, words)
		}
		// Feeding the text in two pieces at a rune boundary gives the same words.
		if len(text) > 0 {
			cut = int(uint(cut) % uint(len(text)))
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
			if cut > 0 && utf8.FullRune(text[:cut]) {
				require.Equal(t, words, collect(text[:cut], text[cut:]))
			}
		}
	})
}

// The 8-bytes-at-a-time scan must agree with a byte-by-byte reading of the
// class on every byte value, wherever it falls in the word.
func TestLowerRun_AgreesWithBytewiseScan(t *testing.T) {
	bytewise := func(p []byte, j int) int {
		for j < len(p) && ('a' <= p[j] && p[j] <= 'z' || '0' <= p[j] && p[j] <= '9') {
			j++
		}
		return j
	}
	for c := range 256 {
		for at := range 20 {
			p := []byte("abcdefghij0123456789xyz")
			p[at] = byte(c)
			for from := range 3 {
				require.Equal(t, bytewise(p, from), lowerRun(p, from), "byte %#x at %d, scan from %d", c, at, from)
			}
		}
	}
}
