// Command ports serves port records, keyed by UN/LOCODE, loaded as a
// stream from a JSON file and reloaded on SIGHUP or when the file changes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/doc-search/gitops/app/internal/buildinfo"
	"github.com/doc-search/gitops/app/ports/internal/loader"
	"github.com/doc-search/gitops/app/ports/internal/memstore"
	"github.com/doc-search/gitops/app/ports/internal/metrics"
	"github.com/doc-search/gitops/app/ports/internal/server"
	"github.com/doc-search/gitops/app/ports/internal/tracing"
)

func main() {
	cfg, err := parseConfig(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "ports: %v\n", err)
		os.Exit(2)
	}
	log := slog.New(tracing.LogHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel})))
	if err := run(cfg, log); err != nil {
		log.Error("ports stopped", slog.Any("error", err))
		os.Exit(1)
	}
}

func run(cfg config, log *slog.Logger) error {
	info := buildinfo.Current()
	tr, err := tracing.Setup(context.Background(), os.Getenv, "ports", info.Version)
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
	m := metrics.New(info)
	store := memstore.New()
	srv := server.New(tracing.Store(store, tr.Provider, "memory"), log, m, info, tr.Provider, tr.Propagator)
	ld := &loader.Loader{
		Path: cfg.Data, Store: store, Log: log, Metrics: m, Count: store.Len,
		Tracer: tr.Provider.Tracer("github.com/doc-search/gitops/app/ports/loader"),
	}

	// Listen before loading so a taken port fails the start at once.
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
		slog.String("version", info.Version), slog.Bool("tracing", tr.Exporting))

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
				shutdown(api, metricsSrv, 0)
				return err
			}
			loaded = nil
			srv.SetReady()
			go ld.Watch(ctx, hup, cfg.WatchInterval)
		case err := <-serveErr:
			shutdown(api, metricsSrv, 0)
			return fmt.Errorf("serving: %w", err)
		case sig := <-signals:
			log.Info("shutting down: readiness off, still serving", slog.String("signal", sig.String()), slog.String("drain_delay", cfg.DrainDelay.String()))
			stop = true
		}
	}
	cancel()
	srv.Drain()
	select {
	case <-time.After(cfg.DrainDelay):
	case sig := <-signals:
		log.Warn("second signal: skipping the rest of the drain delay", slog.String("signal", sig.String()))
	}
	if err := shutdown(api, metricsSrv, cfg.ShutdownTimeout); err != nil {
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
