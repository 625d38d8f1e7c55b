package loader

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/doc-search/gitops/app/ports/internal/metrics"
	"github.com/doc-search/gitops/app/ports/internal/port"
)

// Loader loads the data file into a store, one load at a time, each a span
// of its own and a new generation of the store.
type Loader struct {
	Path    string
	Store   port.Replacer
	Tracer  trace.Tracer
	Log     *slog.Logger
	Metrics *metrics.Metrics
	Count   func() int // ports being served, for the log and the gauge
	// Path, Store, Tracer, Log, Metrics and Count are all required.

	mu   sync.Mutex // one load at a time
	seen fileState  // the file as the last load found it
}

// Load reads the whole file into a new generation and swaps it in. On any
// error the store keeps serving the previous generation.
func (l *Loader) Load(ctx context.Context, reason string) (Stats, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ctx, span := l.Tracer.Start(ctx, "ports.load", trace.WithAttributes(
		attribute.String("ports.file", l.Path), attribute.String("ports.load.reason", reason)))
	defer span.End()
	start := time.Now()
	st, err := l.load(ctx)
	elapsed := time.Since(start)
	span.SetAttributes(attribute.Int("ports.load.records", st.Records), attribute.Int("ports.load.malformed", st.Malformed),
		attribute.Int64("ports.load.bytes", st.Bytes))
	attrs := []any{slog.String("file", l.Path), slog.String("reason", reason), slog.Int("records", st.Records),
		slog.Int("malformed", st.Malformed), slog.Int64("bytes", st.Bytes), slog.Float64("seconds", elapsed.Seconds())}
	l.Metrics.LoadedRecords.Add(float64(st.Records))
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
		l.Metrics.Loads.WithLabelValues("error").Inc()
		l.Log.ErrorContext(ctx, "load failed: still serving the previous data", append(attrs, slog.Any("error", err))...)
		return st, err
	}
	n := l.Count()
	l.Metrics.Loads.WithLabelValues("ok").Inc()
	l.Metrics.LoadDuration.Set(elapsed.Seconds())
	l.Metrics.LastLoad.SetToCurrentTime()
	l.Metrics.Ports.Set(float64(n))
	l.Log.InfoContext(ctx, "loaded", append(attrs, slog.Int("ports", n),
		slog.Float64("mb_per_s", float64(st.Bytes)/1e6/elapsed.Seconds()))...)
	return st, nil
}

func (l *Loader) load(ctx context.Context) (Stats, error) {
	f, err := os.Open(l.Path)
	if err != nil {
		return Stats{}, err
	}
	defer f.Close()
	state, err := stat(f)
	if err != nil {
		return Stats{}, err
	}
	var st Stats
	err = l.Store.Replace(ctx, func(u port.Upserter) error {
		st, err = Decode(ctx, f, u, func(m *MalformedRecord) {
			l.Metrics.MalformedRecords.Inc()
			l.Log.WarnContext(ctx, "skipping malformed record", slog.String("file", l.Path),
				slog.String("key", m.Key), slog.Int64("offset", m.Offset), slog.String("error", m.Err.Error()))
		})
		return err
	})
	if err != nil {
		return st, fmt.Errorf("loading %s: %w", l.Path, err)
	}
	l.seen = state
	return st, nil
}

// fileState is what tells a changed file from the one loaded: a new file
// renamed over it (as a Kubernetes volume's symlink swap does) changes the
// inode, a rewrite in place the size or modification time.
type fileState struct {
	ino     uint64
	size    int64
	modTime time.Time
}

func stat(f *os.File) (fileState, error) {
	fi, err := f.Stat()
	if err != nil {
		return fileState{}, err
	}
	return stateOf(fi), nil
}

// Changed reports whether the file differs from the one last loaded.
func (l *Loader) Changed() bool {
	fi, err := os.Stat(l.Path)
	if err != nil {
		return false // gone for now: keep serving what was loaded
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return stateOf(fi) != l.seen
}

// Watch reloads on every value from hup and whenever the file changes,
// looking every interval (0: never), until ctx ends. The file is polled
// rather than watched by inotify because polling os.Stat follows the
// symlinks of a mounted ConfigMap or volume through their swaps.
func (l *Loader) Watch(ctx context.Context, hup <-chan os.Signal, interval time.Duration) {
	var tick <-chan time.Time
	if interval > 0 {
		t := time.NewTicker(interval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			_, _ = l.Load(context.WithoutCancel(ctx), "SIGHUP")
		case <-tick:
			if l.Changed() {
				_, _ = l.Load(context.WithoutCancel(ctx), "file changed")
			}
		}
	}
}
