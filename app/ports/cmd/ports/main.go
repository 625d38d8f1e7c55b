// Command ports serves port records, keyed by UN/LOCODE, loaded as a
// stream from a JSON file and reloaded on SIGHUP or when the file changes;
// `ports generate` writes a synthetic file of any size.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/doc-search/gitops/app/internal/buildinfo"
	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/ports/internal/loader"
	"github.com/doc-search/gitops/app/ports/internal/memstore"
	"github.com/doc-search/gitops/app/ports/internal/metrics"
	"github.com/doc-search/gitops/app/ports/internal/server"
	"github.com/doc-search/gitops/app/ports/internal/tracing"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is the whole command, from its arguments to its exit code.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "generate" {
		if err := generate(args[1:], stdout, stderr); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return 0
			}
			fmt.Fprintf(stderr, "ports generate: %v\n", err)
			return 1
		}
		return 0
	}
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "ports: %v\n", err)
		return 2
	}
	log := slog.New(tracing.LogHandler(service.NewLogger(stdout, cfg.Service.LogLevel).Handler()))
	if err := serve(cfg, getenv, log); err != nil {
		log.Error("ports stopped", slog.Any("error", err))
		return 1
	}
	return 0
}

// serve runs the service until SIGTERM. It keeps its own serving loop
// rather than service.Serve's, which takes no wrapping handler: the trace
// must wrap the shared access log to reach its lines.
func serve(cfg config, getenv func(string) string, log *slog.Logger) error {
	info := buildinfo.Current()
	tr, err := tracing.Setup(context.Background(), getenv, "ports", info.Version)
	if err != nil {
		return err
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tr.Shutdown(ctx); err != nil {
			log.Warn("flushing traces", slog.Any("error", err))
		}
	}()
	l, err := service.Listen(cfg.Service)
	if err != nil {
		return err
	}

	reg := service.NewRegistry()
	m := metrics.New(reg)
	store := memstore.New()
	ready := &server.Readiness{}
	svc := service.New(service.Options{Log: log, Registry: reg, Namespace: metrics.Namespace, Info: info, Ready: ready.Check})
	server.Register(svc, tracing.Store(store, tr.Provider, "memory"), log, ready)
	ld := &loader.Loader{
		Path: cfg.Data, Store: store, Log: log, Metrics: m, Count: store.Len,
		Tracer: tr.Provider.Tracer("github.com/doc-search/gitops/app/ports/loader"),
	}

	api := newHTTPServer(server.Trace(svc.Handler(), tr.Provider, tr.Propagator))
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	metricsSrv := newHTTPServer(mux)
	serveErr := make(chan error, 2)
	go func() { serveErr <- api.Serve(l.API) }()
	go func() { serveErr <- metricsSrv.Serve(l.Metrics) }()
	log.Info("listening", slog.String("addr", l.API.Addr().String()), slog.String("metrics_addr", l.Metrics.Addr().String()),
		slog.String("version", info.Version), slog.String("build", info.Build), slog.String("commit", info.Commit),
		slog.Bool("tracing", tr.Exporting))

	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(signals)
	// SIGHUP is caught from the start, so one sent during the first load
	// neither kills the process nor is lost: it reloads once that is done.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	loaded := make(chan error, 1)
	go func() {
		_, err := ld.Load(ctx, "start")
		loaded <- err
	}()
	for stop := false; !stop; {
		select {
		case err := <-loaded:
			if err != nil {
				_ = shutdown(api, metricsSrv, 0)
				return err
			}
			loaded = nil
			ready.Loaded()
			go ld.Watch(ctx, hup, cfg.WatchInterval)
		case err := <-serveErr:
			_ = shutdown(api, metricsSrv, 0)
			return fmt.Errorf("serving: %w", err)
		case sig := <-signals:
			log.Info("shutting down: readiness off, still serving", slog.String("signal", sig.String()),
				slog.String("drain_delay", cfg.Service.DrainDelay.String()))
			stop = true
		}
	}
	cancel()
	ready.Drain()
	svc.Drain()
	select {
	case <-time.After(cfg.Service.DrainDelay):
	case sig := <-signals:
		log.Warn("second signal: skipping the rest of the drain delay", slog.String("signal", sig.String()))
	}
	log.Info("closing listeners, waiting for in-flight requests", slog.String("shutdown_timeout", cfg.Service.ShutdownTimeout.String()))
	if err := shutdown(api, metricsSrv, cfg.Service.ShutdownTimeout); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	log.Info("stopped")
	return nil
}

func newHTTPServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
	}
}

// shutdown stops both servers, letting in-flight requests finish within timeout.
func shutdown(api, metricsSrv *http.Server, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return errors.Join(api.Shutdown(ctx), metricsSrv.Shutdown(ctx))
}
