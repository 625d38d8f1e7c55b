package migrations

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/doc-search/gitops/app/internal/pgtest"
)

func open(t *testing.T, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("pgx", url)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// TestUp runs every case on one PostgreSQL server, a database each.
func TestUp(t *testing.T) {
	pg := pgtest.Start(t)
	t.Run("AppliesTheSchemaOnce", func(t *testing.T) { appliesTheSchemaOnce(t, pg) })
	t.Run("TwoMigratorsNeverBothApply", func(t *testing.T) { twoMigratorsNeverBothApply(t, pg) })
	t.Run("BrokenMigrationFailsNamingIt", func(t *testing.T) { brokenMigrationFailsNamingIt(t, pg) })
}

func appliesTheSchemaOnce(t *testing.T, pg *pgtest.Server) {
	db := open(t, pg.CreateDatabase("schema"))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))

	first, err := Up(ctx, db, FS, log)
	require.NoError(t, err)
	assert.NotEmpty(t, first)
	again, err := Up(ctx, db, FS, log)
	require.NoError(t, err)
	assert.Empty(t, again, "nothing left to apply")

	var tables int
	require.NoError(t, db.QueryRowContext(ctx,
		`SELECT count(*) FROM information_schema.tables WHERE table_name IN ('visitors', 'daily_visitors')`).Scan(&tables))
	assert.Equal(t, 2, tables)
}

// twoMigratorsNeverBothApply starts two migrators at once on a
// migration slow enough that both run while it is applied. The advisory
// lock makes one wait; it then finds nothing to do.
func twoMigratorsNeverBothApply(t *testing.T, pg *pgtest.Server) {
	db1 := open(t, pg.CreateDatabase("race"))
	db2 := open(t, pg.DatabaseURL("race"))
	fsys := fstest.MapFS{
		"00001_log.sql":  {Data: []byte("-- +goose Up\nCREATE TABLE applied (version int NOT NULL);\n")},
		"00002_slow.sql": {Data: []byte("-- +goose Up\nSELECT pg_sleep(1.5);\nINSERT INTO applied VALUES (2);\n")},
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))

	var wg sync.WaitGroup
	applied := make([]int, 2)
	errs := make([]error, 2)
	for i, db := range []*sql.DB{db1, db2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results, err := Up(ctx, db, fsys, log)
			applied[i], errs[i] = len(results), err
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	assert.ElementsMatch(t, []int{2, 0}, applied, "one migrator applied both, the other none")

	var runs, versions int
	require.NoError(t, db1.QueryRowContext(ctx, `SELECT count(*) FROM applied`).Scan(&runs))
	assert.Equal(t, 1, runs, "the slow migration ran once")
	require.NoError(t, db1.QueryRowContext(ctx, `SELECT count(*) FROM goose_db_version WHERE version_id > 0`).Scan(&versions))
	assert.Equal(t, 2, versions)
}

func brokenMigrationFailsNamingIt(t *testing.T, pg *pgtest.Server) {
	db := open(t, pg.CreateDatabase("broken"))
	fsys := fstest.MapFS{"00001_bad.sql": {Data: []byte("-- +goose Up\nCREATE TABLE (;\n")}}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err := Up(ctx, db, fsys, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "00001_bad.sql")
}
