package loader

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/ports/internal/gen"
	"github.com/doc-search/gitops/app/ports/internal/memstore"
	"github.com/doc-search/gitops/app/ports/internal/port"
)

// BenchmarkDecode measures the decoder into a fresh in-memory store, on a
// 16 MiB file held in memory: what a load costs apart from the disk.
func BenchmarkDecode(b *testing.B) {
	var buf bytes.Buffer
	gst, err := gen.Write(&buf, gen.Options{Size: 16 << 20, Keys: 50_000, Seed: 1})
	require.NoError(b, err)
	b.SetBytes(int64(buf.Len()))
	b.ReportAllocs()
	for b.Loop() {
		s := memstore.New()
		err := s.Replace(context.Background(), func(u port.Upserter) error {
			_, err := Decode(context.Background(), bytes.NewReader(buf.Bytes()), u, nil)
			return err
		})
		require.NoError(b, err)
	}
	b.ReportMetric(float64(gst.Records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
