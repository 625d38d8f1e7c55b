package loader

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

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

// BenchmarkLoadFile loads a generated file four times the chart's memory
// limit (128 MiB; PORTS_BENCH_MIB sets another size) from disk through
// Loader, as the service does, and reports throughput and the peak RSS of
// the process, which the load must keep far below the file's size.
func BenchmarkLoadFile(b *testing.B) {
	mib := int64(512)
	if v := os.Getenv("PORTS_BENCH_MIB"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		require.NoError(b, err)
		mib = n
	}
	path := filepath.Join(b.TempDir(), "ports.json")
	f, err := os.Create(path)
	require.NoError(b, err)
	gst, err := gen.Write(f, gen.Options{Size: mib << 20, Keys: 50_000, Seed: 1})
	require.NoError(b, err)
	require.NoError(b, f.Close())
	l, _, _ := newLoader(b, path)
	b.SetBytes(gst.Bytes)
	var before, ru syscall.Rusage
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &before))
	b.ResetTimer()
	for b.Loop() {
		_, err := l.Load(context.Background(), "benchmark")
		require.NoError(b, err)
	}
	b.ReportMetric(float64(gst.Records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	require.NoError(b, syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	// CPU time too: on a shared machine the wall clock says more about the
	// neighbours than about the load.
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(gst.Bytes)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
	b.ReportMetric(float64(gst.Records)*float64(b.N)/cpu.Seconds(), "records/cpu-s")
	b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MiB") // Maxrss is in KiB on Linux
	b.ReportMetric(float64(gst.Bytes>>20), "file-MiB")
}
