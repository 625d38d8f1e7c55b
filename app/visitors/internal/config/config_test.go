package config

import (
	"io"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const key = "0123456789abcdef0123456789abcdef"

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestParse_FromTheEnvironment(t *testing.T) {
	c, err := Parse("visitors", nil, env(
		"DATABASE_URL", "postgres://app:pw@db:5432/visitors",
		"VISITORS_HASH_KEY", key,
		"USER_NAME", "Ada", "USER_URL", "https://example.org/ada",
		"VISITORS_DB_MAX_CONNS", "4", "VISITORS_DB_QUERY_TIMEOUT", "750ms", "VISITORS_TRUST_PROXIES", "1",
	), io.Discard)
	require.NoError(t, err)
	assert.Equal(t, ":8080", c.Service.Addr)
	assert.Equal(t, ":8000", c.Service.MetricsAddr)
	assert.Equal(t, "Ada", c.UserName)
	assert.Equal(t, 4, c.MaxConns)
	assert.Equal(t, 750*time.Millisecond, c.QueryTimeout)
	assert.Equal(t, 1, c.TrustProxies)

	pc, err := c.PoolConfig()
	require.NoError(t, err)
	assert.Equal(t, int32(4), pc.MaxConns)
	assert.Equal(t, "db", pc.ConnConfig.Host)
	assert.Equal(t, 3*time.Second, pc.ConnConfig.ConnectTimeout)
}

func TestParse_ClearErrors(t *testing.T) {
	tests := []struct {
		name string
		env  func(string) string
		want []string
	}{
		{"database URL missing", env("VISITORS_HASH_KEY", key), []string{"DATABASE_URL is required"}},
		{"database URL not postgres", env("DATABASE_URL", "mysql://db/x", "VISITORS_HASH_KEY", key), []string{"DATABASE_URL is malformed"}},
		{"database URL bad option", env("DATABASE_URL", "postgres://u:s3cret@db/x?sslmode=maybe", "VISITORS_HASH_KEY", key), []string{"DATABASE_URL is malformed"}},
		{"hash key short", env("DATABASE_URL", "postgres://db/x", "VISITORS_HASH_KEY", "short"), []string{"VISITORS_HASH_KEY (--hash-key) must be at least 32 bytes, got 5"}},
		{"pool bounds", env("DATABASE_URL", "postgres://db/x", "VISITORS_HASH_KEY", key, "VISITORS_DB_MAX_CONNS", "2", "VISITORS_DB_MIN_CONNS", "3"),
			[]string{"--db-min-conns must be between 0 and --db-max-conns (2), got 3"}},
		{"user URL", env("DATABASE_URL", "postgres://db/x", "VISITORS_HASH_KEY", key, "USER_URL", "javascript:alert(1)"), []string{`USER_URL "javascript:alert(1)" must be an http or https URL`}},
		{"every error at once", env(), []string{"DATABASE_URL is required", "VISITORS_HASH_KEY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("visitors", nil, tt.env, io.Discard)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
			assert.NotContains(t, err.Error(), "s3cret", "no password in an error")
		})
	}
}

func TestParse_HelpNamesEveryVariable(t *testing.T) {
	var out strings.Builder
	_, err := Parse("visitors", []string{"-h"}, env(), &out)
	require.Error(t, err)
	for _, v := range []string{"DATABASE_URL", "USER_NAME", "USER_URL", "VISITORS_HASH_KEY", "VISITORS_ADDR", "VISITORS_METRICS_ADDR", "VISITORS_DB_MAX_CONNS", "VISITORS_DB_QUERY_TIMEOUT", "visitors migrate"} {
		assert.Contains(t, out.String(), v)
	}
}
