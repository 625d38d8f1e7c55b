// Package shout is the service's domain: a text reversed by Unicode
// character and capitalized by an upstream, through a cache the replicas
// share, with one upstream call at a time for each distinct text.
package shout

import (
	"context"
	"slices"
	"time"

	"golang.org/x/sync/singleflight"
)

// Capitalizer capitalizes text; the upstream API is one.
type Capitalizer interface {
	Capitalize(ctx context.Context, text string) (string, error)
}

// Cache holds answers by the text they answer. Its errors never fail a
// request: an unreachable cache only means the upstream is asked.
type Cache interface {
	Get(ctx context.Context, text string) (answer string, found bool, err error)
	Set(ctx context.Context, text, answer string) error
}

// Service answers shout requests.
type Service struct {
	upstream Capitalizer
	cache    Cache
	timeout  time.Duration
	group    singleflight.Group
}

// New returns a Service. timeout bounds one shared lookup (cache and
// upstream together, retries included), whichever caller started it.
func New(upstream Capitalizer, cache Cache, timeout time.Duration) *Service {
	return &Service{upstream: upstream, cache: cache, timeout: timeout}
}

// Reverse returns text with its Unicode characters (code points) in reverse
// order; invalid UTF-8 bytes become U+FFFD.
func Reverse(text string) string {
	r := []rune(text)
	slices.Reverse(r)
	return string(r)
}

// Shout returns text reversed and capitalized. Concurrent calls for the same
// text share one lookup; a caller that gives up (ctx done) leaves it running
// for the others, bounded by the Service's timeout.
func (s *Service) Shout(ctx context.Context, text string) (string, error) {
	if text == "" {
		return "", nil
	}
	ch := s.group.DoChan(text, func() (any, error) {
		shared, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
		defer cancel()
		return s.lookup(shared, text)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return "", res.Err
		}
		return res.Val.(string), nil
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}

func (s *Service) lookup(ctx context.Context, text string) (string, error) {
	// Cache errors are ignored on purpose: the adapter counts and logs them,
	// and the request goes on as if the cache were empty.
	if answer, found, err := s.cache.Get(ctx, text); err == nil && found {
		return answer, nil
	}
	answer, err := s.upstream.Capitalize(ctx, Reverse(text))
	if err != nil {
		return "", err
	}
	_ = s.cache.Set(ctx, text, answer)
	return answer, nil
}
