package gen

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/ports/internal/loader"
	"github.com/doc-search/gitops/app/ports/internal/memstore"
	"github.com/doc-search/gitops/app/ports/internal/port"
)

func TestLocode_DistinctAndValid(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < MaxKeys; i += 97 {
		c := Locode(i)
		require.True(t, port.ValidCode(c), c)
		require.False(t, seen[c], c)
		seen[c] = true
	}
	assert.Equal(t, "AEAAA", Locode(0))
	assert.Equal(t, "ZA999", Locode(MaxKeys-1))
}

func TestWrite_SameOptionsSameBytes(t *testing.T) {
	o := Options{Size: 200 << 10, Keys: 500, Seed: 7}
	var a, b bytes.Buffer
	_, err := Write(&a, o)
	require.NoError(t, err)
	_, err = Write(&b, o)
	require.NoError(t, err)
	assert.Equal(t, a.Bytes(), b.Bytes())
	o.Seed = 8
	var c bytes.Buffer
	_, err = Write(&c, o)
	require.NoError(t, err)
	assert.NotEqual(t, a.Bytes(), c.Bytes())
}

func TestWrite_LoadsWithTheLastDuplicateWinning(t *testing.T) {
	tests := []struct {
		name string
		o    Options
	}{
		{"one record", Options{Size: 1, Keys: 1}},
		{"every key once", Options{Size: 64 << 10, Keys: 100_000, Seed: 1}},
		{"keys repeat", Options{Size: 512 << 10, Keys: 300, Seed: 2}},
		{"with malformed records", Options{Size: 256 << 10, Keys: 200, Seed: 3, MalformedEvery: 50}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			st, err := Write(&buf, tt.o)
			require.NoError(t, err)
			assert.Equal(t, int64(buf.Len()), st.Bytes)
			assert.GreaterOrEqual(t, st.Bytes, tt.o.Size)
			assert.Less(t, st.Bytes, tt.o.Size+1024, "stops within a record of the size")

			var all collect // every valid record, in file order
			lst, err := loader.Decode(context.Background(), bytes.NewReader(buf.Bytes()), &all, nil)
			require.NoError(t, err)
			assert.Equal(t, st.Records-st.Malformed, lst.Records)
			assert.Equal(t, st.Malformed, lst.Malformed)

			s := memstore.New()
			require.NoError(t, s.Replace(context.Background(), func(u port.Upserter) error {
				_, err := loader.Decode(context.Background(), bytes.NewReader(buf.Bytes()), u, nil)
				return err
			}))
			// A skipped record leaves the key's previous valid one standing.
			last := map[string]port.Port{}
			for _, p := range all {
				last[p.Locode] = p
			}
			assert.Equal(t, len(last), s.Len())
			assert.LessOrEqual(t, s.Len(), tt.o.Keys)
			for code, want := range last {
				got, err := s.Get(context.Background(), code)
				require.NoError(t, err)
				assert.Equal(t, want, got)
			}
		})
	}
}

func TestWrite_HoldsTheFormatsIrregularities(t *testing.T) {
	var buf bytes.Buffer
	_, err := Write(&buf, Options{Size: 1 << 20, Keys: 1000, Seed: 4})
	require.NoError(t, err)
	var all collect
	_, err = loader.Decode(context.Background(), &buf, &all, nil)
	require.NoError(t, err)
	var noCoords, noCity, noAlias, emptyRegions, nonASCII, escaped, repeated int
	seen := map[string]bool{}
	for _, p := range all {
		if p.Coordinates == nil {
			noCoords++
		}
		if p.City == "" {
			noCity++
		}
		if p.Alias == nil {
			noAlias++
		}
		if p.Regions != nil && len(p.Regions) == 0 {
			emptyRegions++
		}
		for _, r := range p.Name {
			if r > 127 {
				nonASCII++
				break
			}
		}
		if bytes.ContainsAny([]byte(p.Name), "\"\\\t") {
			escaped++
		}
		if seen[p.Locode] {
			repeated++
		}
		seen[p.Locode] = true
	}
	for what, n := range map[string]int{
		"records without coordinates": noCoords, "without city": noCity, "without alias": noAlias,
		"with empty regions": emptyRegions, "with non-ASCII names": nonASCII, "with escaped names": escaped,
		"repeating a key": repeated,
	} {
		assert.Positive(t, n, what)
	}
}

func TestWrite_RejectsImpossibleKeys(t *testing.T) {
	_, err := Write(&bytes.Buffer{}, Options{Keys: 0})
	assert.ErrorContains(t, err, "keys 0: want 1 to")
	_, err = Write(&bytes.Buffer{}, Options{Keys: MaxKeys + 1})
	assert.ErrorContains(t, err, "keys")
}

type collect []port.Port

func (c *collect) Upsert(_ context.Context, p port.Port) error {
	*c = append(*c, p)
	return nil
}
