// Package pgstore keeps visitors in PostgreSQL through a bounded pgx pool;
// every query runs under its own timeout.
package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/doc-search/gitops/app/visitors/internal/visitor"
)

// Store is a visitor.Store on PostgreSQL.
type Store struct {
	pool    *pgxpool.Pool
	timeout time.Duration
}

var _ visitor.Store = (*Store)(nil)

// New returns a Store on a pool of cfg. It does not connect: the pool
// opens connections when asked, so the service starts, and says it is not
// ready, while the database is down, and recovers by itself when it is back.
func New(cfg *pgxpool.Config, queryTimeout time.Duration) (*Store, error) {
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("database pool: %w", err)
	}
	return &Store{pool: pool, timeout: queryTimeout}, nil
}

// Close closes every connection.
func (s *Store) Close() { s.pool.Close() }

// Pool is the pool, for its statistics.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Visit inserts id at now unless it is there, in one statement, so that
// concurrent first visits race on the primary key and one wins; the losers
// read the winner's row in a second statement, whose snapshot sees it.
func (s *Store) Visit(ctx context.Context, id visitor.ID, now time.Time) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var first time.Time
	err := s.pool.QueryRow(ctx,
		`INSERT INTO visitors (id, first_seen) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING RETURNING first_seen`,
		id[:], now).Scan(&first)
	if errors.Is(err, pgx.ErrNoRows) {
		err = s.pool.QueryRow(ctx, `SELECT first_seen FROM visitors WHERE id = $1`, id[:]).Scan(&first)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("recording a visit: %w", err)
	}
	if _, err := s.pool.Exec(ctx,
		`INSERT INTO daily_visitors (day, id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		day(now), id[:]); err != nil {
		return time.Time{}, fmt.Errorf("recording today's visit: %w", err)
	}
	return first, nil
}

// Counts counts exactly: count(*) reads every row, which stays fast for
// the visitors of one site; an estimate would not be the statistic asked for.
func (s *Store) Counts(ctx context.Context, d time.Time) (unique, today int64, err error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err = s.pool.QueryRow(ctx,
		`SELECT (SELECT count(*) FROM visitors), (SELECT count(*) FROM daily_visitors WHERE day = $1)`,
		day(d)).Scan(&unique, &today)
	if err != nil {
		return 0, 0, fmt.Errorf("counting visitors: %w", err)
	}
	return unique, today, nil
}

// Ping runs a query, so that a pool with a dead connection answers false.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	var one int
	if err := s.pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	return nil
}

// day is the UTC date of t as PostgreSQL's date wants it.
func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }
