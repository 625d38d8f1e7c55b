// Command users keeps users in DynamoDB and their avatars in S3 and serves
// GET /users and POST /user; `users init` creates the table and the bucket
// on compatible stores (on AWS, infrastructure as code owns them).
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
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/doc-search/gitops/app/internal/buildinfo"
	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/users/internal/awsstore"
	"github.com/doc-search/gitops/app/users/internal/config"
	"github.com/doc-search/gitops/app/users/internal/user"
	"github.com/doc-search/gitops/app/users/internal/web"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run is the whole command, from its arguments to its exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	initStores := len(args) > 0 && args[0] == "init"
	name := "users"
	if initStores {
		args, name = args[1:], "users init"
	}
	cfg, err := config.Parse(name, args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err == nil && initStores && !cfg.Local() {
		err = fmt.Errorf("refusing to create stores on AWS itself: set %s and %s (or %s) to compatible stores; on AWS the infrastructure code owns the table and the bucket",
			config.EnvEndpointDynamoDB, config.EnvEndpointS3, config.EnvEndpoint)
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	}
	log := service.NewLogger(stdout, cfg.Service.LogLevel)
	reg := service.NewRegistry()
	if initStores {
		err = runInit(ctx, cfg, reg, log)
	} else {
		err = serve(ctx, cfg, reg, log)
	}
	if err != nil {
		log.Error(name+" failed", slog.Any("error", err))
		return 1
	}
	return 0
}

func newStore(ctx context.Context, cfg config.Config, reg prometheus.Registerer) (*awsstore.Store, error) {
	return awsstore.New(ctx, awsstore.Options{
		Region: cfg.Region, Table: cfg.Table, Bucket: cfg.Bucket,
		DynamoDBEndpoint: cfg.DynamoDBEndpoint, S3Endpoint: cfg.S3Endpoint,
		AvatarBaseURL: cfg.AvatarBaseURL,
		Timeout:       cfg.AWSTimeout, AttemptTimeout: cfg.AttemptTimeout, MaxAttempts: cfg.MaxAttempts,
		Registerer: reg, Namespace: "users",
	})
}

func runInit(ctx context.Context, cfg config.Config, reg prometheus.Registerer, log *slog.Logger) error {
	store, err := newStore(ctx, cfg, reg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	if err := store.Init(ctx); err != nil {
		return err
	}
	log.Info("stores ready", slog.String("table", cfg.Table), slog.String("bucket", cfg.Bucket))
	return nil
}

func serve(ctx context.Context, cfg config.Config, reg *prometheus.Registry, log *slog.Logger) error {
	l, err := service.Listen(cfg.Service)
	if err != nil {
		return err
	}
	store, err := newStore(ctx, cfg, reg)
	if err != nil {
		l.API.Close()
		l.Metrics.Close()
		return err
	}
	failures := promauto.With(reg).NewCounter(prometheus.CounterOpts{
		Namespace: "users", Name: "store_failures_total",
		Help: "Requests answered 503 (or cut mid-stream) because DynamoDB or S3 failed or timed out.",
	})
	srv := service.New(service.Options{
		Log: log, Registry: reg, Namespace: "users", Info: buildinfo.Current(),
		Ready: store.Ping, ReadyTimeout: cfg.AWSTimeout,
	})
	web.Register(srv, web.Options{
		Log: log,
		Directory: user.Directory{
			Store:          store,
			Limits:         user.Limits{MaxBytes: int64(cfg.MaxAvatarBytes), MaxDimension: cfg.MaxDimension},
			CleanupTimeout: cfg.AWSTimeout,
		},
		PageSize: cfg.PageSize,
		Failed:   failures.Inc,
	})
	return service.Serve(ctx, cfg.Service, l, srv, reg)
}
