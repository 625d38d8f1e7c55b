package corpus

import (
	"bytes"
	"html"
	"strconv"
	"unicode/utf8"

	"github.com/doc-search/gitops/app/doc-search/internal/tokenize"
)

// maxTagLen bounds how far a '<' looks for its '>': past it, the '<' is text.
const maxTagLen = 256

// Parse feeds the text content of a document to t: markup tags are dropped
// (and end the current word), entities are decoded, and a stray '&' or '<' is
// read as text. It never fails: whatever is not markup is text.
func Parse(data []byte, t *tokenize.Tokenizer) {
	lt, amp := -1, -1 // positions of the next '<' and '&' at or after i
	for i := 0; i < len(data); {
		if lt < i {
			lt = indexFrom(data, i, '<')
		}
		if amp < i {
			amp = indexFrom(data, i, '&')
		}
		j := min(lt, amp)
		if j > i {
			t.Write(data[i:j])
		}
		if j == len(data) {
			break
		}
		if j == lt {
			if n := tagLen(data[j:]); n > 0 {
				t.Break()
				i = j + n
				continue
			}
		} else if text, n := entity(data[j:]); n > 0 {
			t.Write(text)
			i = j + n
			continue
		}
		t.Write(data[j : j+1])
		i = j + 1
	}
	t.Break()
}

func indexFrom(data []byte, from int, c byte) int {
	if k := bytes.IndexByte(data[from:], c); k >= 0 {
		return from + k
	}
	return len(data)
}

func isASCIILetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

func isNameByte(c byte) bool {
	return isASCIILetter(c) || '0' <= c && c <= '9' || c == '-' || c == '_' || c == ':' || c == '.'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// tagLen returns the length of the markup tag that s starts with, or 0 when
// the '<' is text. A tag is <name>, </name>, <name/>, <name attr="...">,
// <!...> or <?...>. "a <b and c> d" is text: a tag with attributes needs '='.
func tagLen(s []byte) int {
	end := bytes.IndexByte(s[1:min(len(s), maxTagLen)], '>')
	if end < 0 {
		return 0
	}
	end++ // index of '>' in s
	body := s[1:end]
	if bytes.IndexByte(body, '<') >= 0 || len(body) == 0 {
		return 0
	}
	switch body[0] {
	case '!', '?':
		return end + 1
	case '/':
		body = body[1:]
	}
	if len(body) == 0 || !isASCIILetter(body[0]) {
		return 0
	}
	n := 1
	for n < len(body) && isNameByte(body[n]) {
		n++
	}
	rest := bytes.TrimRight(body[n:], " \t\r\n/")
	switch {
	case len(rest) == 0:
		return end + 1
	case isSpace(rest[0]) && bytes.IndexByte(rest, '=') >= 0:
		return end + 1
	}
	return 0
}

// commonEntities are decoded without allocating; html.UnescapeString knows the rest.
var commonEntities = map[string][]byte{
	"amp": []byte("&"), "lt": []byte("<"), "gt": []byte(">"), "quot": []byte(`"`), "apos": []byte("'"),
	"nbsp": []byte("\u00a0"),
}

// entity decodes the character reference s starts with ("&amp;", "&#233;",
// "&eacute;") and returns its text and length, or 0 when the '&' is text.
func entity(s []byte) ([]byte, int) {
	end := bytes.IndexByte(s[1:min(len(s), 34)], ';')
	if end <= 0 {
		return nil, 0
	}
	end++ // index of ';'
	name := s[1:end]
	if name[0] == '#' {
		r, ok := charRef(name[1:])
		if !ok {
			return nil, 0
		}
		return []byte(string(r)), end + 1
	}
	for _, c := range name {
		if !isASCIILetter(c) && (c < '0' || c > '9') {
			return nil, 0
		}
	}
	if text, ok := commonEntities[string(name)]; ok {
		return text, end + 1
	}
	ref := string(s[:end+1])
	if text := html.UnescapeString(ref); text != ref {
		return []byte(text), end + 1
	}
	return nil, 0
}

// charRef decodes the digits of a numeric reference: "233" or "xE9".
func charRef(digits []byte) (rune, bool) {
	base := 10
	if len(digits) > 0 && (digits[0] == 'x' || digits[0] == 'X') {
		base, digits = 16, digits[1:]
	}
	if len(digits) == 0 || len(digits) > 8 {
		return 0, false
	}
	v, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil || v == 0 || !utf8.ValidRune(rune(v)) {
		return 0, false
	}
	return rune(v), true
}
