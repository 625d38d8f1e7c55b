// Command visitors counts unique visitors in PostgreSQL and shows the
// statistic; `visitors migrate` applies the database migrations and exits.
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

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/doc-search/gitops/app/internal/buildinfo"
	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/visitors/internal/config"
	"github.com/doc-search/gitops/app/visitors/internal/migrations"
	"github.com/doc-search/gitops/app/visitors/internal/pgstore"
	"github.com/doc-search/gitops/app/visitors/internal/visitor"
	"github.com/doc-search/gitops/app/visitors/internal/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is the whole command, from its arguments to its exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	migrate := len(args) > 0 && args[0] == "migrate"
	name := "visitors"
	if migrate {
		args, name = args[1:], "visitors migrate"
	}
	cfg, err := config.Parse(name, args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	}
	log := service.NewLogger(stdout, cfg.Service.LogLevel)
	if migrate {
		err = runMigrate(ctx, cfg, log)
	} else {
		err = serve(ctx, cfg, log)
	}
	if err != nil {
		log.Error(name+" failed", slog.Any("error", err))
		return 1
	}
	return 0
}

func runMigrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	pc, err := cfg.PoolConfig()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.MigrateTimeout)
	defer cancel()
	db := stdlib.OpenDB(*pc.ConnConfig)
	defer db.Close()
	_, err = migrations.Up(ctx, db, migrations.FS, log)
	return err
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	pc, err := cfg.PoolConfig()
	if err != nil {
		return err
	}
	l, err := service.Listen(cfg.Service)
	if err != nil {
		return err
	}
	store, err := pgstore.New(pc, cfg.QueryTimeout)
	if err != nil {
		return err
	}
	defer store.Close()

	reg := service.NewRegistry()
	failures := promauto.With(reg).NewCounter(prometheus.CounterOpts{
		Namespace: "visitors", Name: "store_failures_total",
		Help: "Requests answered 503 because the database failed or timed out.",
	})
	reg.MustRegister(newPoolCollector(store))
	srv := service.New(service.Options{
		Log: log, Registry: reg, Namespace: "visitors", Info: buildinfo.Current(),
		Ready: store.Ping, ReadyTimeout: cfg.QueryTimeout,
	})
	web.Register(srv, web.Options{
		Log:          log,
		Counter:      visitor.Counter{Store: store},
		HashKey:      []byte(cfg.HashKey),
		TrustProxies: cfg.TrustProxies,
		UserName:     cfg.UserName,
		UserURL:      cfg.UserURL,
		Failed:       failures.Inc,
	})
	return service.Serve(ctx, cfg.Service, l, srv, reg)
}
