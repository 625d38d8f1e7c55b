// Package migrations holds visitors' database schema as SQL files embedded
// in the binary, and applies them with goose under a PostgreSQL advisory
// lock, so two migrators started at once never both apply one.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed *.sql
var files embed.FS

// FS is the schema: NNNNN_name.sql files with goose Up sections.
var FS fs.FS = files

// LockPoll is how often a migrator waiting for another's lock tries again.
const LockPoll = time.Second

// Up applies every pending migration of fsys to db and logs each. A second
// migrator waits for the first's lock (until ctx ends), then finds nothing
// left to do.
func Up(ctx context.Context, db *sql.DB, fsys fs.FS, log *slog.Logger) ([]*goose.MigrationResult, error) {
	deadline, ok := ctx.Deadline()
	tries := uint64(300)
	if ok {
		tries = uint64(time.Until(deadline)/LockPoll) + 1
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(uint64(LockPoll/time.Second), tries))
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys, goose.WithSessionLocker(locker), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("reading migrations: %w", err)
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		log.Info("migration applied", slog.String("file", r.Source.Path), slog.Int64("version", r.Source.Version),
			slog.Float64("seconds", r.Duration.Seconds()))
	}
	var partial *goose.PartialError
	if errors.As(err, &partial) && partial.Failed != nil {
		return results, fmt.Errorf("applying migration %s: %w", partial.Failed.Source.Path, partial.Err)
	}
	if err != nil {
		return results, fmt.Errorf("applying migrations: %w", err)
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return results, fmt.Errorf("reading the schema version: %w", err)
	}
	log.Info("schema up to date", slog.Int64("version", current), slog.Int("applied", len(results)))
	return results, nil
}
