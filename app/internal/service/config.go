// Package service is what every service of this repository shares: the API
// on :8080 and metrics on :8000, /healthz, /readyz and /version, JSON logs
// with request IDs, HTTP metrics on a registry passed in, and a drain on
// SIGTERM (readiness off while still serving, then a bounded shutdown).
package service

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/doc-search/gitops/app/internal/flagenv"
)

// Config holds the settings every service has.
type Config struct {
	Addr            string        // API listen address
	MetricsAddr     string        // /metrics listen address
	DrainDelay      time.Duration // time /readyz fails while still serving after SIGTERM
	ShutdownTimeout time.Duration // bound on waiting for in-flight requests
	LogLevel        string        // debug, info, warn or error
}

// Register defines the shared flags on fs, each with its variable.
func (c *Config) Register(fs *flagenv.Set) {
	fs.String(&c.Addr, "addr", ":8080", "API listen address")
	fs.String(&c.MetricsAddr, "metrics-addr", ":8000", "Prometheus /metrics listen address")
	fs.Duration(&c.DrainDelay, "drain-delay", 5*time.Second, "after SIGTERM, how long /readyz answers 503 while requests are still served")
	fs.Duration(&c.ShutdownTimeout, "shutdown-timeout", 10*time.Second, "after the drain delay, how long in-flight requests may take to finish")
	fs.String(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
}

// Validate reports every bad setting at once, by flag name.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("--addr must not be empty"))
	}
	if c.MetricsAddr == "" {
		errs = append(errs, errors.New("--metrics-addr must not be empty"))
	}
	if c.DrainDelay < 0 {
		errs = append(errs, fmt.Errorf("--drain-delay must not be negative, got %s", c.DrainDelay))
	}
	if c.ShutdownTimeout < 0 {
		errs = append(errs, fmt.Errorf("--shutdown-timeout must not be negative, got %s", c.ShutdownTimeout))
	}
	if _, err := ParseLevel(c.LogLevel); err != nil {
		errs = append(errs, fmt.Errorf("--log-level: %w", err))
	}
	return errors.Join(errs...)
}

// ParseLevel reads a log level name; empty means info.
func ParseLevel(s string) (slog.Level, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "info":
		return slog.LevelInfo, nil
	case "debug":
		return slog.LevelDebug, nil
	case "warn", "warning":
		return slog.LevelWarn, nil
	case "error":
		return slog.LevelError, nil
	}
	return 0, fmt.Errorf("unknown log level %q: use debug, info, warn or error", s)
}

// NewLogger returns the JSON logger every service writes to w. An unknown
// level falls back to info; Validate reports it first.
func NewLogger(w io.Writer, level string) *slog.Logger {
	l, err := ParseLevel(level)
	if err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}
