package corpus

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/doc-search/internal/tokenize"
)

func parseWords(data []byte) []string {
	var words []string
	Parse(data, tokenize.New(func(w []byte) { words = append(words, string(w)) }))
	return words
}

func TestParse_ReadsTextContent(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string
	}{
		{"blog markup dropped", "<Blog>\n<date>30,August,2003</date>\n<post>\nHello World\n</post>\n</Blog>", []string{"30", "august", "2003", "hello", "world"}},
		{"tags end words", "one<br>two</b>three<br/>four", []string{"one", "two", "three", "four"}},
		{"tag with attributes", `<a href="x">link</a> text`, []string{"link", "text"}},
		{"comment and declaration", `<?xml version="1.0"?><!-- note -->body`, []string{"body"}},
		{"stray ampersand", "rock & roll", []string{"rock", "roll"}},
		{"ampersand in a word", "AT&T", []string{"at", "t"}},
		{"stray less-than", "I <3 you, x < y", []string{"i", "3", "you", "x", "y"}},
		{"less-than words kept", "if a<b and c>d then", []string{"if", "a", "b", "and", "c", "d", "then"}},
		{"unclosed tag is text", "<post without end", []string{"post", "without", "end"}},
		{"common entities", "&lt;b&gt; &amp; &quot;q&quot; &apos;a&apos;", []string{"b", "q", "a"}},
		{"entity inside a word", "caf&eacute; r&#233;sum&#xE9;", []string{"café", "résumé"}},
		{"nbsp entity separates", "a&nbsp;b", []string{"a", "b"}},
		{"unknown entity is text", "&bogus; &#xZZ; &#0; &;", []string{"bogus", "xzz", "0"}},
		{"crlf line ends", "<post>\r\nline one\r\nline two\r\n</post>", []string{"line", "one", "line", "two"}},
		{"unterminated entity", "fish &amp chips", []string{"fish", "amp", "chips"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, parseWords([]byte(tt.doc)))
		})
	}
}

func TestParse_Latin1BytesKeepWordsWhole(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "blog", "1000331.female.37.Arts.Leo.xml"))
	require.NoError(t, err)
	require.False(t, utf8.Valid(data), "fixture must hold Latin-1 bytes")
	assert.Equal(t, []string{"31", "may", "2004", "café", "crème", "with", "renée"}, parseWords(data))
}

func TestParse_MalformedDocument(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "blog", "5114.male.25.indUnk.Scorpio.xml"))
	require.NoError(t, err)
	assert.Equal(t, []string{"01", "january", "2004", "unclosed", "post", "with", "bold", "and", "café", "été", "bogus", "x", "y", "and", "y", "z"}, parseWords(data))
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"<Blog>\n<date>30,August,2003</date>\n<post>\nhello\n</post>\n</Blog>",
		"a & b <3 &amp; &#233; &#x; &eacute; <a href=x>y</a>",
		"caf\xe9\r\n<post",
		"<!-- x --> <?y?> </z>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		words := parseWords(data)
		for _, w := range words {
			require.NotEmpty(t, w)
			require.True(t, utf8.ValidString(w), "word %q is not valid UTF-8", w)
		}
		// Without markup or entities, a document is plain text.
		if !strings.ContainsAny(string(data), "<&") {
			var plain []string
			tok := tokenize.New(func(w []byte) { plain = append(plain, string(w)) })
			tok.Write(data)
			tok.Break()
			require.Equal(t, plain, words)
		}
	})
}
