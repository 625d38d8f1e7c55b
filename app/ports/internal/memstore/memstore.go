// Package memstore keeps ports in memory: the port.Store adapter the
// service runs with. A load fills a new generation beside the one being
// served and swaps it in with one atomic pointer store, so readers never
// wait for a load and never see half of one.
package memstore

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync/atomic"

	"github.com/doc-search/gitops/app/ports/internal/port"
)

// Store is an in-memory port.Store and port.Replacer. The zero value is
// not usable; call New.
type Store struct {
	gen atomic.Pointer[generation]
}

// generation is one complete data set, never changed once published.
type generation struct {
	byCode    map[string]port.Port
	codes     []string            // every code, sorted
	byCountry map[string][]string // country -> its codes, sorted
}

// New returns an empty store.
func New() *Store {
	s := &Store{}
	s.gen.Store(&generation{byCode: map[string]port.Port{}})
	return s
}

// Len is the number of ports being served.
func (s *Store) Len() int { return len(s.gen.Load().codes) }

// Get returns the port with code, or port.ErrNotFound.
func (s *Store) Get(_ context.Context, code string) (port.Port, error) {
	p, ok := s.gen.Load().byCode[code]
	if !ok {
		return port.Port{}, fmt.Errorf("%w: %q", port.ErrNotFound, code)
	}
	return p, nil
}

// List returns up to q.Limit ports in code order after q.After, of
// q.Country when set.
func (s *Store) List(_ context.Context, q port.Query) (port.Page, error) {
	if q.Limit < 1 {
		return port.Page{}, fmt.Errorf("limit %d: want at least 1", q.Limit)
	}
	g := s.gen.Load()
	codes := g.codes
	if q.Country != "" {
		codes = g.byCountry[q.Country]
	}
	start := sort.SearchStrings(codes, q.After)
	if start < len(codes) && codes[start] == q.After {
		start++
	}
	end := min(start+q.Limit, len(codes))
	page := port.Page{Ports: make([]port.Port, 0, end-start)}
	for _, c := range codes[start:end] {
		page.Ports = append(page.Ports, g.byCode[c])
	}
	if end < len(codes) {
		page.Next = codes[end-1]
	}
	return page, nil
}

// Replace fills a new generation through fill and, if fill returns nil,
// serves it from then on.
func (s *Store) Replace(ctx context.Context, fill func(port.Upserter) error) error {
	b := &builder{byCode: map[string]port.Port{}}
	if err := fill(b); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.gen.Store(b.seal())
	return nil
}

type builder struct {
	byCode map[string]port.Port
}

func (b *builder) Upsert(_ context.Context, p port.Port) error {
	b.byCode[p.Locode] = p
	return nil
}

// seal sorts the codes once, after the last upsert, rather than keeping
// them sorted through a load in which most keys may repeat.
func (b *builder) seal() *generation {
	g := &generation{byCode: b.byCode, codes: make([]string, 0, len(b.byCode)), byCountry: map[string][]string{}}
	for c, p := range b.byCode {
		g.codes = append(g.codes, c)
		if p.Country != "" {
			g.byCountry[p.Country] = append(g.byCountry[p.Country], c)
		}
	}
	slices.Sort(g.codes)
	for _, cs := range g.byCountry {
		slices.Sort(cs)
	}
	return g
}
