package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Listeners are a service's two ports.
type Listeners struct{ API, Metrics net.Listener }

// Listen opens both ports before anything else starts, so a taken port
// fails the start at once, naming the flag.
func Listen(c Config) (Listeners, error) {
	api, err := net.Listen("tcp", c.Addr)
	if err != nil {
		return Listeners{}, fmt.Errorf("listening on --addr %s: %w", c.Addr, err)
	}
	metrics, err := net.Listen("tcp", c.MetricsAddr)
	if err != nil {
		api.Close()
		return Listeners{}, fmt.Errorf("listening on --metrics-addr %s: %w", c.MetricsAddr, err)
	}
	return Listeners{API: api, Metrics: metrics}, nil
}

// Serve serves s on l.API and reg on l.Metrics until ctx ends (main cancels
// it on SIGTERM), then drains: /readyz answers 503 for c.DrainDelay while
// requests are still served, so the endpoints controller takes the Pod out
// of its Services first; then the listeners close and in-flight requests
// get c.ShutdownTimeout to finish. It returns early with the error if a
// listener fails.
func Serve(ctx context.Context, c Config, l Listeners, s *Server, reg *prometheus.Registry) error {
	log := s.opts.Log
	api := newHTTPServer(s.Handler())
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	metrics := newHTTPServer(mux)

	serveErr := make(chan error, 2)
	go func() { serveErr <- api.Serve(l.API) }()
	go func() { serveErr <- metrics.Serve(l.Metrics) }()
	info := s.opts.Info
	log.Info("listening", slog.String("addr", l.API.Addr().String()), slog.String("metrics_addr", l.Metrics.Addr().String()),
		slog.String("version", info.Version), slog.String("build", info.Build), slog.String("commit", info.Commit))

	select {
	case err := <-serveErr:
		_ = shutdown(api, metrics, 0)
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: readiness off, still serving", slog.String("drain_delay", c.DrainDelay.String()))
	s.Drain()
	select {
	case <-time.After(c.DrainDelay):
	case err := <-serveErr:
		_ = shutdown(api, metrics, 0)
		return fmt.Errorf("serving: %w", err)
	}
	log.Info("closing listeners, waiting for in-flight requests", slog.String("shutdown_timeout", c.ShutdownTimeout.String()))
	if err := shutdown(api, metrics, c.ShutdownTimeout); err != nil {
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
func shutdown(api, metrics *http.Server, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return errors.Join(api.Shutdown(ctx), metrics.Shutdown(ctx))
}
