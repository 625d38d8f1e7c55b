// Package tokenize splits text into case-folded words: maximal runs of
// Unicode letters or digits. Documents and queries go through the same rules.
package tokenize

import (
	"encoding/binary"
	"math/bits"
	"unicode"
	"unicode/utf8"
)

// asciiFold maps an ASCII byte to its folded form when it belongs to a word,
// and to 0 when it separates words. It is the hot path: most corpus text is ASCII.
var asciiFold [utf8.RuneSelf]byte

// latin1 says how a byte that is not valid UTF-8 reads: Windows-1252 for
// 0x80-0x9F (what real Latin-1 text from Windows holds there), Latin-1 above.
var latin1 [256]rune

// cp1252 is Windows-1252's 0x80-0x9F row; undefined positions keep the C1 control.
var cp1252 = [32]rune{
	0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D, 0x017D, 0x8F,
	0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D, 0x017E, 0x0178,
}

func init() {
	for b := range utf8.RuneSelf {
		switch {
		case 'a' <= b && b <= 'z', '0' <= b && b <= '9':
			asciiFold[b] = byte(b)
		case 'A' <= b && b <= 'Z':
			asciiFold[b] = byte(b) + 'a' - 'A'
		}
	}
	for b := range 256 {
		latin1[b] = rune(b)
	}
	for i, r := range cp1252 {
		latin1[0x80+i] = r
	}
}

// IsWordRune reports whether r belongs to a word.
func IsWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return asciiFold[r] != 0
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r)
}

// Fold returns the one rune that stands for every rune equal to r under
// Unicode simple case folding (the rule of strings.EqualFold). Among the
// runes of r's folding orbit it prefers the one that lower(upper(x)) leaves
// unchanged, then a lower-case one, then the smallest; so 'K', 'k' and the
// Kelvin sign fold to 'k', and 'Σ', 'ς' and 'σ' to 'σ'. Choosing by the orbit
// alone makes the result the same for every rune of it.
func Fold(r rune) rune {
	if r < utf8.RuneSelf {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}
	best, bestRank := r, foldRank(r)
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if rank := foldRank(f); rank < bestRank || rank == bestRank && f < best {
			best, bestRank = f, rank
		}
	}
	return best
}

func foldRank(r rune) int {
	rank := 0
	if unicode.ToLower(unicode.ToUpper(r)) != r {
		rank += 2
	}
	if !unicode.IsLower(r) {
		rank++
	}
	return rank
}

// Tokenizer turns a stream of text into words. Text arrives in pieces
// (Write, Rune) so that a word may span them, as "caf&eacute;" does in a
// document; Break ends the current word. The word slice passed to emit is
// only valid during the call.
type Tokenizer struct {
	word []byte
	emit func(word []byte)
}

// New returns a Tokenizer that calls emit for every word, folded.
func New(emit func(word []byte)) *Tokenizer {
	return &Tokenizer{word: make([]byte, 0, 64), emit: emit}
}

// Write feeds text. Valid UTF-8 is read as such; every byte that is not part
// of a valid UTF-8 sequence is read as Windows-1252/Latin-1, so no word of a
// Latin-1 document is lost or split.
func (t *Tokenizer) Write(p []byte) {
	word := t.word
	for i := 0; i < len(p); {
		b := p[i]
		if b < utf8.RuneSelf {
			c := asciiFold[b]
			if c == 0 {
				if len(word) > 0 {
					t.emit(word)
					word = word[:0]
				}
				i++
				continue
			}
			if len(word) == 0 && c == b {
				// Fast path: a word of lower-case ASCII letters and digits
				// followed by an ASCII separator is emitted in place, uncopied.
				j := lowerRun(p, i+1)
				if j < len(p) && p[j] < utf8.RuneSelf && asciiFold[p[j]] == 0 {
					t.emit(p[i:j])
					i = j + 1
					continue
				}
				// The word goes on: upper case, non-ASCII or the next piece.
				word = append(word, p[i:j]...)
				i = j
				continue
			}
			word = append(word, c)
			i++
			continue
		}
		r, size := utf8.DecodeRune(p[i:])
		if r == utf8.RuneError && size == 1 {
			r = latin1[b]
		}
		i += size
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			word = utf8.AppendRune(word, Fold(r))
		} else if len(word) > 0 {
			t.emit(word)
			word = word[:0]
		}
	}
	t.word = word
}

// lowerRun returns the index of the first byte from p[j] on that is not a
// lower-case ASCII letter or digit, or len(p). It looks at 8 bytes at a time:
// this scan is most of what tokenizing costs.
func lowerRun(p []byte, j int) int {
	for j+8 <= len(p) {
		if other := notLowerOrDigit(binary.LittleEndian.Uint64(p[j:])); other != 0 {
			return j + bits.TrailingZeros64(other)>>3
		}
		j += 8
	}
	for j < len(p) && p[j] != 0 && asciiFold[p[j]&0x7f] == p[j] {
		j++
	}
	return j
}

// notLowerOrDigit returns v's bytes that are not 'a'-'z' or '0'-'9' as their
// high bits (0x80) set. Each byte's low 7 bits are compared with the bounds by
// subtraction from a byte whose high bit is set, so no borrow crosses bytes;
// a byte with its own high bit set is not ASCII, hence not in the class.
func notLowerOrDigit(v uint64) uint64 {
	const (
		high = 0x8080808080808080
		ones = 0x0101010101010101
	)
	x := v &^ high
	atLeast := func(c uint64) uint64 { return (x | high) - c*ones }
	atMost := func(c uint64) uint64 { return (c*ones | high) - x }
	in := atLeast('a')&atMost('z') | atLeast('0')&atMost('9')
	return ^(in &^ v) & high
}

// Rune feeds one decoded character, such as the value of an entity.
func (t *Tokenizer) Rune(r rune) {
	if IsWordRune(r) {
		t.word = utf8.AppendRune(t.word, Fold(r))
		return
	}
	t.Break()
}

// Break ends the current word, if any.
func (t *Tokenizer) Break() {
	if len(t.word) > 0 {
		t.emit(t.word)
		t.word = t.word[:0]
	}
}

// Words returns the distinct folded words of text in order of first appearance.
func Words(text string) []string {
	var words []string
	seen := make(map[string]struct{})
	t := New(func(w []byte) {
		if _, ok := seen[string(w)]; ok {
			return
		}
		s := string(w)
		seen[s] = struct{}{}
		words = append(words, s)
	})
	t.Write([]byte(text))
	t.Break()
	return words
}
