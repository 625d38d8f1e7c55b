package config

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestParse_Defaults(t *testing.T) {
	c, err := Parse(nil, env(nil), &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, Config{
		Addr: ":8080", MetricsAddr: ":8000", Data: "", StartupDelay: 0, DrainDelay: 5 * time.Second,
		ShutdownTimeout: 10 * time.Second, MaxQueryWords: 32, MaxQueryBytes: 1024, LogLevel: slog.LevelInfo, LogFormat: "json",
	}, c)
}

func TestParse_EnvironmentThenFlags(t *testing.T) {
	vars := map[string]string{
		"DOCSEARCH_ADDR": "127.0.0.1:9090", "DOCSEARCH_METRICS_ADDR": "127.0.0.1:9000", "DOCSEARCH_DATA": "/corpus",
		"DOCSEARCH_STARTUP_DELAY": "3s", "DOCSEARCH_DRAIN_DELAY": "1s", "DOCSEARCH_SHUTDOWN_TIMEOUT": "2s",
		"DOCSEARCH_MAX_QUERY_WORDS": "8", "DOCSEARCH_MAX_QUERY_BYTES": "256", "DOCSEARCH_LOG_LEVEL": "debug", "DOCSEARCH_LOG_FORMAT": "text",
	}
	c, err := Parse(nil, env(vars), &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, Config{
		Addr: "127.0.0.1:9090", MetricsAddr: "127.0.0.1:9000", Data: "/corpus", StartupDelay: 3 * time.Second,
		DrainDelay: time.Second, ShutdownTimeout: 2 * time.Second, MaxQueryWords: 8, MaxQueryBytes: 256, LogLevel: slog.LevelDebug, LogFormat: "text",
	}, c)

	c, err = Parse([]string{"--addr", ":1", "--max-query-words=3", "--drain-delay", "0s"}, env(vars), &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, ":1", c.Addr, "a flag wins over its variable")
	assert.Equal(t, 3, c.MaxQueryWords)
	assert.Equal(t, time.Duration(0), c.DrainDelay)
	assert.Equal(t, "/corpus", c.Data, "variables without a flag still apply")
}

func TestParse_BadValuesNameTheirSource(t *testing.T) {
	tests := []struct {
		name string
		args []string
		vars map[string]string
		want string
	}{
		{"bad env duration", nil, map[string]string{"DOCSEARCH_DRAIN_DELAY": "soon"}, "DOCSEARCH_DRAIN_DELAY"},
		{"bad env number", nil, map[string]string{"DOCSEARCH_MAX_QUERY_WORDS": "many"}, "DOCSEARCH_MAX_QUERY_WORDS"},
		{"bad log level", nil, map[string]string{"DOCSEARCH_LOG_LEVEL": "loud"}, `--log-level (DOCSEARCH_LOG_LEVEL): unknown log level "loud"`},
		{"bad log format", []string{"--log-format", "xml"}, nil, `--log-format (DOCSEARCH_LOG_FORMAT): unknown format "xml": use json or text`},
		{"bad flag", []string{"--startup-delay", "x"}, nil, "startup-delay"},
		{"negative delay", []string{"--drain-delay", "-1s"}, nil, "--drain-delay must not be negative"},
		{"zero words", []string{"--max-query-words", "0"}, nil, "--max-query-words must be at least 1"},
		{"zero bytes", []string{"--max-query-bytes", "0"}, nil, "--max-query-bytes must be at least 1"},
		{"stray argument", []string{"serve"}, nil, `unexpected argument "serve"`},
		{"unknown flag", []string{"--port", "1"}, nil, "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.args, env(tt.vars), &bytes.Buffer{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestParse_HelpListsEveryFlagWithItsVariable(t *testing.T) {
	var out bytes.Buffer
	_, err := Parse([]string{"--help"}, env(nil), &out)
	require.True(t, errors.Is(err, flag.ErrHelp))
	for _, s := range []string{
		"-addr", "DOCSEARCH_ADDR", "-metrics-addr", "DOCSEARCH_METRICS_ADDR", "-data", "DOCSEARCH_DATA",
		"-startup-delay", "DOCSEARCH_STARTUP_DELAY", "-drain-delay", "DOCSEARCH_DRAIN_DELAY",
		"-shutdown-timeout", "DOCSEARCH_SHUTDOWN_TIMEOUT", "-max-query-words", "DOCSEARCH_MAX_QUERY_WORDS",
		"-max-query-bytes", "DOCSEARCH_MAX_QUERY_BYTES", "-log-level", "DOCSEARCH_LOG_LEVEL",
		"-log-format", "DOCSEARCH_LOG_FORMAT", "-version", "doc-search query",
	} {
		assert.Contains(t, out.String(), s)
	}
}

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]slog.Level{"": slog.LevelInfo, "INFO": slog.LevelInfo, "debug": slog.LevelDebug, "warn": slog.LevelWarn, "error": slog.LevelError} {
		got, err := ParseLevel(in)
		require.NoError(t, err)
		assert.Equal(t, want, got, in)
	}
}
