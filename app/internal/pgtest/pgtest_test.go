package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStart_ServesAndRestarts(t *testing.T) {
	s := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	url := s.CreateDatabase("app")

	query := func() (int, error) {
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			return 0, err
		}
		defer c.Close(ctx)
		var n int
		err = c.QueryRow(ctx, "SELECT 40 + 2").Scan(&n)
		return n, err
	}
	n, err := query()
	require.NoError(t, err)
	assert.Equal(t, 42, n)

	s.Stop()
	_, err = query()
	assert.Error(t, err, "stopped server refuses")
	s.Start()
	n, err = query()
	require.NoError(t, err, "same port and data after a restart")
	assert.Equal(t, 42, n)
}
