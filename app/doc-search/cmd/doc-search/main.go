// Command doc-search serves full-text search over a corpus of documents;
// `doc-search query` asks a running server one question.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	rtmetrics "runtime/metrics"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap/zapcore"

	"github.com/doc-search/gitops/app/doc-search/internal/config"
	"github.com/doc-search/gitops/app/doc-search/internal/corpus"
	"github.com/doc-search/gitops/app/doc-search/internal/index"
	"github.com/doc-search/gitops/app/doc-search/internal/metrics"
	"github.com/doc-search/gitops/app/doc-search/internal/query"
	"github.com/doc-search/gitops/app/doc-search/internal/sample"
	"github.com/doc-search/gitops/app/doc-search/internal/searchclient"
	"github.com/doc-search/gitops/app/doc-search/internal/server"
	"github.com/doc-search/gitops/app/internal/buildinfo"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "query" {
		os.Exit(searchclient.Run(context.Background(), os.Args[2:], os.Stdout, os.Stderr))
	}
	cfg, err := config.Parse(os.Args[1:], os.Getenv, os.Stdout)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return
	case errors.Is(err, config.ErrVersion):
		info := buildinfo.Current()
		fmt.Printf("doc-search %s (build %s, commit %s)\n", info.Version, info.Build, info.Commit)
		return
	case err != nil:
		fmt.Fprintf(os.Stderr, "doc-search: %v\n", err)
		os.Exit(2)
	}
	out := newLogWriter(os.Stdout)
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var handler slog.Handler = slog.NewJSONHandler(out, opts)
	if cfg.LogFormat == "text" {
		handler = slog.NewTextHandler(out, opts)
	}
	log := slog.New(handler)
	code := 0
	if err := run(cfg, log); err != nil {
		log.Error("doc-search stopped", slog.Any("error", err))
		code = 1
	}
	_ = out.Stop() // flushes: no line is lost on a clean exit
	os.Exit(code)
}

// logFlushInterval bounds how long a log line may wait in the buffer.
const logFlushInterval = 100 * time.Millisecond

// newLogWriter buffers the log on its way to w. The access log writes a line
// per request, and a write system call per line was a large share of the
// CPU time of a search. Buffered, lines go out in blocks: when the buffer
// fills, at least every logFlushInterval, and on Stop. The trade-off: lines
// reach the log collector up to logFlushInterval late, and a crash (a
// panic outside a handler, SIGKILL, running out of memory) loses the lines
// of its last logFlushInterval; a clean exit loses none. Each line is one
// Write, never split between blocks.
func newLogWriter(w io.Writer) *zapcore.BufferedWriteSyncer {
	return &zapcore.BufferedWriteSyncer{
		// Hiding the *os.File behind a plain io.Writer makes the periodic
		// Sync a no-op: a flush is a write, never an fsync.
		WS:            zapcore.AddSync(struct{ io.Writer }{w}),
		Size:          64 << 10,
		FlushInterval: logFlushInterval,
	}
}

func run(cfg config.Config, log *slog.Logger) error {
	info := buildinfo.Current()
	m := metrics.New(info)
	srv := server.New(log, m, query.Limits{MaxWords: cfg.MaxQueryWords, MaxBytes: cfg.MaxQueryBytes}, info)

	// A corpus that cannot be listed fails the start before the process
	// listens, so that no "listening" line comes before the error.
	c, err := openCorpus(cfg, log)
	if err != nil {
		return err
	}
	apiLn, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listening on --addr %s: %w", cfg.Addr, err)
	}
	metricsLn, err := net.Listen("tcp", cfg.MetricsAddr)
	if err != nil {
		apiLn.Close()
		return fmt.Errorf("listening on --metrics-addr %s: %w", cfg.MetricsAddr, err)
	}
	api := newHTTPServer(srv.Handler())
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry}))
	metricsSrv := newHTTPServer(mux)

	serveErr := make(chan error, 2)
	go func() { serveErr <- api.Serve(apiLn) }()
	go func() { serveErr <- metricsSrv.Serve(metricsLn) }()
	log.Info("listening", slog.String("addr", apiLn.Addr().String()), slog.String("metrics_addr", metricsLn.Addr().String()),
		slog.String("version", info.Version), slog.String("build", info.Build), slog.String("commit", info.Commit))

	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(signals)

	buildCtx, cancelBuild := context.WithCancel(context.Background())
	defer cancelBuild()
	built := make(chan error, 1)
	go func() { built <- load(buildCtx, cfg, c, log, m, srv) }()

	for stop := false; !stop; {
		select {
		case err := <-built:
			if err != nil {
				shutdown(api, metricsSrv, 0)
				return err
			}
			built = nil
		case err := <-serveErr:
			shutdown(api, metricsSrv, 0)
			return fmt.Errorf("serving: %w", err)
		case sig := <-signals:
			log.Info("shutting down: readiness off, still serving", slog.String("signal", sig.String()), slog.String("drain_delay", cfg.DrainDelay.String()))
			stop = true
		}
	}
	cancelBuild()
	srv.Drain()
	select {
	case <-time.After(cfg.DrainDelay):
	case sig := <-signals:
		log.Warn("second signal: skipping the rest of the drain delay", slog.String("signal", sig.String()))
	}
	log.Info("closing listeners, waiting for in-flight requests", slog.String("shutdown_timeout", cfg.ShutdownTimeout.String()))
	if err := shutdown(api, metricsSrv, cfg.ShutdownTimeout); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	log.Info("stopped")
	return nil
}

// listedCorpus is a corpus whose documents have been listed.
type listedCorpus struct {
	fsys   fs.FS
	source string // what the log calls it
	docs   []corpus.Document
}

// openCorpus lists the documents of --data, or of the built-in sample.
func openCorpus(cfg config.Config, log *slog.Logger) (listedCorpus, error) {
	c := listedCorpus{fsys: sample.FS, source: "built-in sample corpus"}
	if cfg.Data != "" {
		c.fsys, c.source = corpus.Dir(cfg.Data), cfg.Data
	}
	docs, err := corpus.List(c.fsys)
	if err != nil {
		return c, fmt.Errorf("--data %s: %w", c.source, err)
	}
	c.docs = docs
	log.Debug("corpus listed", slog.String("corpus", c.source), slog.Int("documents", len(docs)),
		slog.String("first", docs[0].Name), slog.String("last", docs[len(docs)-1].Name))
	return c, nil
}

// load waits for the start-up delay, then builds the index and hands it to srv.
func load(ctx context.Context, cfg config.Config, c listedCorpus, log *slog.Logger, m *metrics.Metrics, srv *server.Server) error {
	if cfg.StartupDelay > 0 {
		log.Info("start-up delay before indexing", slog.String("startup_delay", cfg.StartupDelay.String()))
		select {
		case <-time.After(cfg.StartupDelay):
		case <-ctx.Done():
			return nil
		}
	}
	fsys, source, docs := c.fsys, c.source, c.docs
	log.Info("indexing", slog.String("corpus", source), slog.Int("documents", len(docs)))
	start := time.Now()
	lastLog := start
	idx, err := index.Build(ctx, fsys, docs, index.Options{
		Skip: func(d corpus.Document, err error) {
			m.DocumentsSkipped.Inc()
			log.Warn("skipping document", slog.String("file", d.Name), slog.Any("error", err))
		},
		Progress: func(n int, bytes int64) {
			if now := time.Now(); now.Sub(lastLog) >= time.Second {
				lastLog = now
				log.Info("indexing progress", slog.Int("documents", n), slog.Int("of", len(docs)),
					slog.Float64("mb", float64(bytes)/1e6), slog.Float64("mb_per_s", float64(bytes)/1e6/now.Sub(start).Seconds()))
			}
		},
	})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("indexing corpus %s: %w", source, err)
	}
	st := idx.Stats()
	// The build's scratch memory (per-worker dictionaries and term lists) is
	// garbage now. Collect it and hand it back to the OS, so that RSS reflects
	// the index and the next GC goal is set from the index, not from the peak.
	debug.FreeOSMemory()
	setGCPercent(log)
	m.SetIndex(st)
	srv.SetIndex(idx)
	log.Info("ready", slog.Int("documents", st.Documents), slog.Int("skipped", st.Skipped), slog.Int("terms", st.Terms),
		slog.Int("postings", st.Postings), slog.Float64("mb", float64(st.Bytes)/1e6), slog.Float64("index_mb", float64(st.MemBytes)/1e6),
		slog.Float64("seconds", st.Duration.Seconds()), slog.Float64("mb_per_s", float64(st.Bytes)/1e6/st.Duration.Seconds()))
	return nil
}

// gcHeadroom is how much garbage the heap may hold beyond the index before
// a collection, when GOGC is not set.
const gcHeadroom = 64 << 20

// setGCPercent sizes the garbage collector's goal for a server holding the
// index, unless GOGC says otherwise. With the default GOGC=100 the heap would
// grow by as much as the index again (hundreds of MB) between collections,
// and after the build's memory went back to the OS every page of that
// request garbage is first touched, and faulted in, once: the first few
// hundred thousand requests after start-up paid a page fault every other
// request (loadtest: 580 faults per 1000 requests, 60% more CPU per request
// than once warm). Collections are cheap here: the index is a few large
// pointer-free arrays, so marking it costs little however big it is. A goal
// of gcHeadroom past the live heap keeps the memory that requests recycle
// small and resident, and RSS lower too.
func setGCPercent(log *slog.Logger) {
	if _, set := os.LookupEnv("GOGC"); set {
		return
	}
	sample := []rtmetrics.Sample{{Name: "/gc/heap/live:bytes"}}
	rtmetrics.Read(sample)
	if sample[0].Value.Kind() != rtmetrics.KindUint64 || sample[0].Value.Uint64() == 0 {
		return
	}
	live := sample[0].Value.Uint64()
	percent := min(max(int(100*gcHeadroom/live), 10), 100)
	debug.SetGCPercent(percent)
	log.Info("garbage collector goal set", slog.Int("gc_percent", percent), slog.Float64("live_heap_mb", float64(live)/1e6))
}

func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    server.MaxRequestHeadBytes,
	}
}

// shutdown stops both servers, letting in-flight requests finish within timeout.
func shutdown(api, metricsSrv *http.Server, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return errors.Join(api.Shutdown(ctx), metricsSrv.Shutdown(ctx))
}
