// Package query turns the q parameter of a search request into the folded
// words to look up, enforcing the service's limits.
package query

import (
	"errors"
	"fmt"

	"github.com/doc-search/gitops/app/internal/tokenize"
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

// Parse returns the distinct folded words of q. present says whether q was
// given at all.
func Parse(q string, present bool, lim Limits) ([]string, error) {
	if !present {
		return nil, ErrMissing
	}
	if lim.MaxBytes > 0 && len(q) > lim.MaxBytes {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d", ErrTooLong, len(q), lim.MaxBytes)
	}
	if n := tokenize.Count(q); lim.MaxWords > 0 && n > lim.MaxWords {
		return nil, fmt.Errorf("%w: %d words, the limit is %d", ErrTooWordy, n, lim.MaxWords)
	}
	words := tokenize.Words(q)
	if len(words) == 0 {
		return nil, ErrNoWord
	}
	return words, nil
}
