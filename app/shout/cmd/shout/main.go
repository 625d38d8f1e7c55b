// Command shout serves POST /: a text reversed and capitalized by an
// upstream API, through a Redis cache shared by its replicas.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/doc-search/gitops/app/internal/buildinfo"
	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/shout/internal/api"
	"github.com/doc-search/gitops/app/shout/internal/cache"
	"github.com/doc-search/gitops/app/shout/internal/metrics"
	"github.com/doc-search/gitops/app/shout/internal/shout"
	"github.com/doc-search/gitops/app/shout/internal/upstream"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is the whole command, returning its exit code: 2 for bad settings,
// 1 when serving fails.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "shout: %v\n", err)
		return 2
	}
	log := service.NewLogger(stdout, cfg.LogLevel)
	a, err := newApp(cfg, log, buildinfo.Current())
	if err != nil {
		fmt.Fprintf(stderr, "shout: %v\n", err)
		return 2
	}
	defer a.Close()
	l, err := service.Listen(cfg.Config)
	if err != nil {
		log.Error("shout stopped", slog.Any("error", err))
		return 1
	}
	if err := service.Serve(ctx, cfg.Config, l, a.server, a.registry); err != nil {
		log.Error("shout stopped", slog.Any("error", err))
		return 1
	}
	return 0
}

// app is the service assembled: its API server, registry and the clients
// Close releases.
type app struct {
	server   *service.Server
	registry *prometheus.Registry
	shoutAPI *api.API
	upstream *upstream.Client
	cache    interface{ Close() error }
}

func newApp(cfg config, log *slog.Logger, info buildinfo.Info) (*app, error) {
	reg := service.NewRegistry()
	m := metrics.New(reg)
	up, err := upstream.New(cfg.Upstream, m)
	if err != nil {
		return nil, fmt.Errorf("upstream settings (--upstream, --upstream-*, --breaker-*): %w", err)
	}
	metrics.BreakerState(reg, up.BreakerState)
	a := &app{registry: reg, upstream: up}
	var c shout.Cache = cache.None{}
	if cfg.Redis != "" {
		r := cache.NewRedis(cfg.Redis, cfg.CacheTTL, m, log)
		a.cache, c = r, r
	} else {
		log.Warn("no --redis: running without a cache")
	}
	a.shoutAPI, err = api.New(shout.New(up, c, cfg.lookupTimeout()), cfg.MaxChars)
	if err != nil {
		a.Close()
		return nil, err
	}
	// Readiness asks neither the upstream nor Redis: either being down
	// would take every replica out of the Service at once, while the
	// breaker and the cacheless path already answer for them.
	a.server = service.New(service.Options{Log: log, Registry: reg, Namespace: "shout", Info: info})
	for _, r := range a.shoutAPI.Routes() {
		a.server.Handle(r.Pattern(), r.Name, r.Handler)
	}
	return a, nil
}

// Close releases the connections to the upstream and Redis.
func (a *app) Close() {
	a.upstream.Close()
	if a.cache != nil {
		_ = a.cache.Close()
	}
}
