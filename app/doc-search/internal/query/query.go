// Package query turns the q parameter of a search request into the folded
// words to look up, enforcing the service's limits.
package query

import (
	"errors"
	"fmt"
	"sync"

	"github.com/doc-search/gitops/app/doc-search/internal/tokenize"
)

// Limits bound what one query may ask.
type Limits struct {
	MaxWords int // words in q, repeats included
	MaxBytes int // bytes of q, decoded
}

// Errors a caller may tell apart; each reaches the user as a 400.
var (
	ErrMissing  = errors.New("missing query parameter q")
	ErrNoWord   = errors.New("query parameter q holds no word (letters or digits)")
	ErrTooLong  = errors.New("query parameter q is too long")
	ErrTooWordy = errors.New("query parameter q has too many words")
)

// parser holds the scratch space of one Parse: it is pooled because Parse
// runs once per search request, where allocations are a measurable share of
// the cost.
type parser struct {
	tok   *tokenize.Tokenizer
	text  []byte // q, for the tokenizer
	words []byte // the distinct words, end to end
	ends  []int  // where each distinct word ends in words
	count int    // words, repeats included
}

var parsers = sync.Pool{New: func() any {
	p := &parser{}
	p.tok = tokenize.New(p.add)
	return p
}}

// add records one folded word unless it was seen already. A query holds a
// few words, so a linear scan beats a map.
func (p *parser) add(w []byte) {
	p.count++
	start := 0
	for _, end := range p.ends {
		if string(p.words[start:end]) == string(w) {
			return
		}
		start = end
	}
	p.words = append(p.words, w...)
	p.ends = append(p.ends, len(p.words))
}

// Parse returns the distinct folded words of q, in order of first
// appearance. present says whether q was given at all.
func Parse(q string, present bool, lim Limits) ([]string, error) {
	if !present {
		return nil, ErrMissing
	}
	if lim.MaxBytes > 0 && len(q) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLong, len(q), lim.MaxBytes)
	}
	p := parsers.Get().(*parser)
	defer parsers.Put(p)
	p.text, p.words, p.ends, p.count = append(p.text[:0], q...), p.words[:0], p.ends[:0], 0
	p.tok.Write(p.text)
	p.tok.Break()
	if lim.MaxWords > 0 && p.count > lim.MaxWords {
		return nil, fmt.Errorf("%w: %d words, the limit is %d", ErrTooWordy, p.count, lim.MaxWords)
	}
	if len(p.ends) == 0 {
		return nil, ErrNoWord
	}
	// One string holds every word; the returned words are slices of it.
	all := string(p.words)
	words := make([]string, len(p.ends))
	start := 0
	for i, end := range p.ends {
		words[i] = all[start:end]
		start = end
	}
	return words, nil
}
