package loader

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/doc-search/gitops/app/ports/internal/gen"
	"github.com/doc-search/gitops/app/ports/internal/memstore"
	"github.com/doc-search/gitops/app/ports/internal/metrics"
	"github.com/doc-search/gitops/app/ports/internal/port"
)

func newLoader(t testing.TB, path string) (*Loader, *memstore.Store, *metrics.Metrics) {
	s := memstore.New()
	m := metrics.New(prometheus.NewRegistry())
	return &Loader{Path: path, Store: s, Tracer: noop.NewTracerProvider().Tracer(""), Log: slog.New(slog.DiscardHandler),
		Metrics: m, Count: s.Len}, s, m
}

func writeFile(t testing.TB, path, body string) {
	require.NoError(t, os.WriteFile(path, []byte(body), 0o644))
}

func TestLoader_ReloadSwapsOrKeepsTheData(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ports.json")
	writeFile(t, path, `{"NLRTM": {"name": "Rotterdam"}, "BADXX": {"name": 1}}`)
	l, s, m := newLoader(t, path)
	st, err := l.Load(context.Background(), "test")
	require.NoError(t, err)
	assert.Equal(t, 1, st.Records)
	assert.Equal(t, 1, s.Len())
	assert.Equal(t, 1.0, testutil.ToFloat64(m.MalformedRecords))
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Ports))
	assert.False(t, l.Changed())

	// A truncated file fails the load and leaves the old data served.
	writeFile(t, path, `{"BEANR": {"name": "Antwerp"}, "NLAMS": {"na`)
	assert.True(t, l.Changed())
	_, err = l.Load(context.Background(), "test")
	require.ErrorContains(t, err, "loading "+path+`: reading record "NLAMS"`)
	_, err = s.Get(context.Background(), "NLRTM")
	require.NoError(t, err)
	_, err = s.Get(context.Background(), "BEANR")
	require.ErrorIs(t, err, port.ErrNotFound)
	assert.Equal(t, 1.0, testutil.ToFloat64(m.Loads.WithLabelValues("error")))

	// A new file renamed over the old one, as a volume update does, swaps in.
	next := filepath.Join(filepath.Dir(path), "next.json")
	writeFile(t, next, `{"BEANR": {"name": "Antwerp"}}`)
	require.NoError(t, os.Rename(next, path))
	assert.True(t, l.Changed())
	_, err = l.Load(context.Background(), "test")
	require.NoError(t, err)
	_, err = s.Get(context.Background(), "NLRTM")
	assert.ErrorIs(t, err, port.ErrNotFound)
	_, err = s.Get(context.Background(), "BEANR")
	assert.NoError(t, err)
	assert.Equal(t, 2.0, testutil.ToFloat64(m.Loads.WithLabelValues("ok")))
}

func TestLoader_MissingFile(t *testing.T) {
	l, _, _ := newLoader(t, filepath.Join(t.TempDir(), "absent.json"))
	_, err := l.Load(context.Background(), "test")
	assert.ErrorContains(t, err, "absent.json: no such file or directory")
	assert.False(t, l.Changed(), "a missing file is no change to load")
}

func TestLoader_WatchReloadsOnSignalAndOnChange(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ports.json")
	writeFile(t, path, `{"NLRTM": {"name": "Rotterdam"}}`)
	l, s, _ := newLoader(t, path)
	_, err := l.Load(context.Background(), "test")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	hup := make(chan os.Signal, 1)
	go l.Watch(ctx, hup, 20*time.Millisecond)

	has := func(code string) func() bool {
		return func() bool { _, err := s.Get(context.Background(), code); return err == nil }
	}
	writeFile(t, path, `{"NLRTM": {"name": "Rotterdam"}, "BEANR": {"name": "Antwerp, a longer file"}}`)
	assert.Eventually(t, has("BEANR"), 5*time.Second, 10*time.Millisecond, "file change")

	// Same size and a modification time set back: only the signal reloads it.
	fi, err := os.Stat(path)
	require.NoError(t, err)
	writeFile(t, path, `{"NLRTM": {"name": "Rotterdam"}, "GBLON": {"name": "London, a longer file!"}}`)
	require.NoError(t, os.Chtimes(path, fi.ModTime(), fi.ModTime()))
	time.Sleep(100 * time.Millisecond)
	assert.False(t, has("GBLON")())
	hup <- syscall.SIGHUP
	assert.Eventually(t, has("GBLON"), 5*time.Second, 10*time.Millisecond, "SIGHUP")
}

// The memory test runs the load in a child process, which reports its
// peak resident set (VmHWM) once done.
const (
	envMemFile = "PORTS_MEMTEST_FILE"
	envMemMode = "PORTS_MEMTEST_MODE" // "load", or "read" to read the file whole
)

func TestLoad_StreamsUnderAMemoryLimit(t *testing.T) {
	if path := os.Getenv(envMemFile); path != "" {
		memChild(t, path, os.Getenv(envMemMode))
		return
	}
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to read the peak resident set")
	}
	path := filepath.Join(t.TempDir(), "ports.json")
	f, err := os.Create(path)
	require.NoError(t, err)
	gst, err := gen.Write(f, gen.Options{Size: 64 << 20, Keys: 2000, Seed: 9, MalformedEvery: 10_000})
	require.NoError(t, err)
	require.NoError(t, f.Close())

	// The limit is well under the file: a quarter of its size, the heap
	// held to half that by GOMEMLIMIT, as in a pod four times smaller than
	// its data.
	limitMiB := gst.Bytes / 4 >> 20
	child := func(mode string) (hwmKiB int64, out string) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLoad_StreamsUnderAMemoryLimit$", "-test.v")
		cmd.Env = append(os.Environ(), envMemFile+"="+path, envMemMode+"="+mode, fmt.Sprintf("GOMEMLIMIT=%dMiB", limitMiB/2))
		b, err := cmd.CombinedOutput()
		require.NoError(t, err, string(b))
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "VmHWM:"); ok {
				n, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
				require.NoError(t, err)
				return n, string(b)
			}
		}
		t.Fatalf("no VmHWM in the child's output:\n%s", b)
		return 0, ""
	}

	hwm, out := child("load")
	t.Logf("streamed load of %d MiB (%d records): peak RSS %d MiB, limit %d MiB", gst.Bytes>>20, gst.Records, hwm>>10, limitMiB)
	assert.Less(t, hwm, limitMiB<<10, "peak RSS of the load must stay under a quarter of the file")
	assert.Contains(t, out, fmt.Sprintf("records=%d malformed=%d", gst.Records-gst.Malformed, gst.Malformed))

	// The same measurement sees a file read whole: the check can fail.
	hwm, _ = child("read")
	assert.Greater(t, hwm, gst.Bytes>>10, "reading the file whole must show in the peak RSS")
}

func memChild(t *testing.T, path, mode string) {
	switch mode {
	case "read":
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		require.NotEmpty(t, b)
	default:
		l, s, _ := newLoader(t, path)
		st, err := l.Load(context.Background(), "test")
		require.NoError(t, err)
		require.Positive(t, s.Len())
		fmt.Printf("records=%d malformed=%d\n", st.Records, st.Malformed)
	}
	status, err := os.Open("/proc/self/status")
	require.NoError(t, err)
	defer status.Close()
	sc := bufio.NewScanner(status)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "VmHWM:") {
			fmt.Println(sc.Text())
		}
	}
}
