package memstore

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/ports/internal/port"
)

func fill(ps ...port.Port) func(port.Upserter) error {
	return func(u port.Upserter) error {
		for _, p := range ps {
			if err := u.Upsert(context.Background(), p); err != nil {
				return err
			}
		}
		return nil
	}
}

func codes(ps []port.Port) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Locode)
	}
	return out
}

func TestStore_GetUnknownIsNotFound(t *testing.T) {
	s := New()
	_, err := s.Get(context.Background(), "NLRTM")
	assert.ErrorIs(t, err, port.ErrNotFound)
}

func TestStore_LaterUpsertWins(t *testing.T) {
	s := New()
	require.NoError(t, s.Replace(context.Background(), fill(
		port.Port{Locode: "NLRTM", Name: "first"},
		port.Port{Locode: "NLRTM", Name: "second"},
	)))
	p, err := s.Get(context.Background(), "NLRTM")
	require.NoError(t, err)
	assert.Equal(t, "second", p.Name)
	assert.Equal(t, 1, s.Len())
}

func TestStore_ListPages(t *testing.T) {
	s := New()
	require.NoError(t, s.Replace(context.Background(), fill(
		port.Port{Locode: "NLRTM", Country: "Netherlands"},
		port.Port{Locode: "AEAJM", Country: "United Arab Emirates"},
		port.Port{Locode: "NLAMS", Country: "Netherlands"},
		port.Port{Locode: "BEANR", Country: "Belgium"},
		port.Port{Locode: "NLVLI", Country: "Netherlands"},
	)))
	tests := []struct {
		name      string
		q         port.Query
		wantCodes []string
		wantNext  string
	}{
		{"first page", port.Query{Limit: 2}, []string{"AEAJM", "BEANR"}, "BEANR"},
		{"next page", port.Query{Limit: 2, After: "BEANR"}, []string{"NLAMS", "NLRTM"}, "NLRTM"},
		{"last page", port.Query{Limit: 2, After: "NLRTM"}, []string{"NLVLI"}, ""},
		{"exact last page has no next", port.Query{Limit: 5}, []string{"AEAJM", "BEANR", "NLAMS", "NLRTM", "NLVLI"}, ""},
		{"after a code not stored", port.Query{Limit: 2, After: "C"}, []string{"NLAMS", "NLRTM"}, "NLRTM"},
		{"past the end", port.Query{Limit: 2, After: "ZZZZZ"}, []string{}, ""},
		{"country filter", port.Query{Limit: 2, Country: "Netherlands"}, []string{"NLAMS", "NLRTM"}, "NLRTM"},
		{"country filter, next page", port.Query{Limit: 2, Country: "Netherlands", After: "NLRTM"}, []string{"NLVLI"}, ""},
		{"unknown country", port.Query{Limit: 2, Country: "Atlantis"}, []string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := s.List(context.Background(), tt.q)
			require.NoError(t, err)
			assert.Equal(t, tt.wantCodes, codes(page.Ports))
			assert.Equal(t, tt.wantNext, page.Next)
		})
	}
	_, err := s.List(context.Background(), port.Query{})
	assert.ErrorContains(t, err, "limit 0")
}

func TestStore_FailedReplaceKeepsTheServedGeneration(t *testing.T) {
	s := New()
	require.NoError(t, s.Replace(context.Background(), fill(port.Port{Locode: "NLRTM", Name: "Rotterdam"})))
	boom := errors.New("structure broken")
	err := s.Replace(context.Background(), func(u port.Upserter) error {
		require.NoError(t, u.Upsert(context.Background(), port.Port{Locode: "BEANR", Name: "Antwerp"}))
		// Mid-load, readers still see the old generation.
		_, err := s.Get(context.Background(), "BEANR")
		assert.ErrorIs(t, err, port.ErrNotFound)
		return boom
	})
	require.ErrorIs(t, err, boom)
	_, err = s.Get(context.Background(), "NLRTM")
	assert.NoError(t, err)
	_, err = s.Get(context.Background(), "BEANR")
	assert.ErrorIs(t, err, port.ErrNotFound)
}
