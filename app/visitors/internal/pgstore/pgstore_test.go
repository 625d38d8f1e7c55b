package pgstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/internal/pgtest"
	"github.com/doc-search/gitops/app/visitors/internal/migrations"
	"github.com/doc-search/gitops/app/visitors/internal/visitor"
)

// newStore returns a Store on a migrated database of its own.
func newStore(t *testing.T, pg *pgtest.Server, name string, maxConns int32, timeout time.Duration) (*Store, string) {
	t.Helper()
	url := pg.CreateDatabase(name)
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = migrations.Up(ctx, db, migrations.FS, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	require.NoError(t, err)

	cfg, err := pgxpool.ParseConfig(url)
	require.NoError(t, err)
	cfg.MaxConns = maxConns
	s, err := New(cfg, timeout)
	require.NoError(t, err)
	t.Cleanup(s.Close)
	return s, url
}

func id(s string) visitor.ID { return sha256.Sum256([]byte(s)) }

// TestStore runs every case on one PostgreSQL server, a database each.
func TestStore(t *testing.T) {
	pg := pgtest.Start(t)
	t.Run("ParallelFirstVisitsCountOnce", func(t *testing.T) { parallelFirstVisitsCountOnce(t, pg) })
	t.Run("TodayCountsTheDaysVisitors", func(t *testing.T) { todayCountsTheDaysVisitors(t, pg) })
	t.Run("QueriesTimeOut", func(t *testing.T) { queriesTimeOut(t, pg) })
}

func parallelFirstVisitsCountOnce(t *testing.T, pg *pgtest.Server) {
	s, _ := newStore(t, pg, "parallel", 10, 10*time.Second)
	ctx := context.Background()
	start := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

	const same, distinct = 64, 16
	firsts := make([]time.Time, same)
	errs := make([]error, same+distinct)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := range same {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			// Each sees a different clock: only the winner's time is kept.
			firsts[i], errs[i] = s.Visit(ctx, id("one"), start.Add(time.Duration(i)*time.Millisecond))
		}()
	}
	for i := range distinct {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			_, errs[same+i] = s.Visit(ctx, id(fmt.Sprint("other-", i)), start)
		}()
	}
	close(gate)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	for _, f := range firsts {
		assert.True(t, f.Equal(firsts[0]), "every first visit sees the winner's first-seen time: %s vs %s", f, firsts[0])
	}
	unique, today, err := s.Counts(ctx, start)
	require.NoError(t, err)
	assert.Equal(t, int64(1+distinct), unique)
	assert.Equal(t, int64(1+distinct), today)
}

func todayCountsTheDaysVisitors(t *testing.T, pg *pgtest.Server) {
	s, _ := newStore(t, pg, "days", 4, 10*time.Second)
	ctx := context.Background()
	day1 := time.Date(2026, 12, 3, 23, 59, 0, 0, time.UTC)
	day2 := day1.Add(2 * time.Minute)

	first, err := s.Visit(ctx, id("a"), day1)
	require.NoError(t, err)
	_, err = s.Visit(ctx, id("b"), day2)
	require.NoError(t, err)
	again, err := s.Visit(ctx, id("a"), day2)
	require.NoError(t, err)
	assert.True(t, again.Equal(first), "a returning visitor keeps its first-seen time")
	assert.True(t, first.Equal(day1))

	for _, tt := range []struct {
		day           time.Time
		unique, today int64
	}{{day1, 2, 1}, {day2, 2, 2}, {day2.Add(24 * time.Hour), 2, 0}} {
		unique, today, err := s.Counts(ctx, tt.day)
		require.NoError(t, err)
		assert.Equal(t, tt.unique, unique, "unique on %s", tt.day)
		assert.Equal(t, tt.today, today, "today on %s", tt.day)
	}
}

// queriesTimeOut holds a lock the visit needs: the query gives
// up after the store's timeout instead of waiting with the request.
func queriesTimeOut(t *testing.T, pg *pgtest.Server) {
	s, url := newStore(t, pg, "timeout", 4, 300*time.Millisecond)
	ctx := context.Background()
	holder, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer holder.Close(ctx)
	tx, err := holder.Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, `LOCK TABLE visitors IN ACCESS EXCLUSIVE MODE`)
	require.NoError(t, err)

	_, err = s.Visit(ctx, id("blocked"), time.Now())
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NoError(t, s.Ping(ctx), "the pool itself stays healthy")
	require.NoError(t, tx.Rollback(ctx))
	_, err = s.Visit(ctx, id("blocked"), time.Now())
	assert.NoError(t, err, "served once the lock is gone")
}
