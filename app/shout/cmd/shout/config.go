package main

import (
	"errors"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/doc-search/gitops/app/internal/flagenv"
	"github.com/doc-search/gitops/app/internal/service"
	"github.com/doc-search/gitops/app/shout/internal/upstream"
)

// config is everything shout needs to start, read once from flags and
// SHOUT_* variables.
type config struct {
	service.Config
	Upstream upstream.Config
	Redis    string        // host:port; "" runs without a cache
	CacheTTL time.Duration // how long an answer stays in Redis
	MaxChars int           // longest text, in Unicode characters
}

func parseConfig(args []string, getenv func(string) string, out io.Writer) (config, error) {
	var c config
	fs := flagenv.New("shout", "SHOUT_", out)
	c.Register(fs)
	fs.String(&c.Upstream.URL, "upstream", "http://api.shoutcloud.io", "base URL of the SHOUTCLOUD-style API; shout posts to <upstream>/V1/SHOUT")
	fs.String(&c.Redis, "redis", "", "Redis host:port of the cache every replica shares; empty runs without a cache")
	fs.Duration(&c.CacheTTL, "cache-ttl", 24*time.Hour, "how long an answer stays in the cache")
	fs.Duration(&c.Upstream.Timeout, "upstream-timeout", 2*time.Second, "bound on one upstream attempt")
	fs.Int(&c.Upstream.Retries, "upstream-retries", 2, "attempts after the first for timeouts, network failures, 5xx and 429 (never other 4xx)")
	fs.Duration(&c.Upstream.Backoff, "upstream-backoff", 100*time.Millisecond, "wait before the first retry; doubles each retry, with ±50% jitter")
	fs.Int(&c.Upstream.BreakerFailures, "breaker-failures", 5, "consecutive failed upstream calls (after their retries) that open the circuit breaker")
	fs.Duration(&c.Upstream.BreakerOpen, "breaker-open", 15*time.Second, "how long the open breaker answers 503 before it lets a trial call through")
	fs.Int(&c.MaxChars, "max-chars", 1000, "longest text accepted, in Unicode characters")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: shout [flags]\n\nReverses a text and has it capitalized by an upstream API, with a shared\nRedis cache, retries and a circuit breaker. Every flag can be set by its\nenvironment variable; the flag wins.\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args, getenv); err != nil {
		return config{}, err
	}
	var errs []error
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	if c.CacheTTL <= 0 {
		errs = append(errs, fmt.Errorf("--cache-ttl must be positive, got %s", c.CacheTTL))
	}
	if c.MaxChars < 1 {
		errs = append(errs, fmt.Errorf("--max-chars must be at least 1, got %d", c.MaxChars))
	}
	if c.Upstream.Retries > 10 {
		errs = append(errs, fmt.Errorf("--upstream-retries must be at most 10, got %d", c.Upstream.Retries))
	}
	return c, errors.Join(errs...)
}

// lookupTimeout bounds one shared lookup: every attempt at its timeout,
// the longest jittered backoffs between them, and a second for the cache.
func (c config) lookupTimeout() time.Duration {
	u := c.Upstream
	attempts := time.Duration(u.Retries + 1)
	backoffs := time.Duration(float64(u.Backoff) * 1.5 * (math.Pow(2, float64(u.Retries)) - 1))
	return attempts*u.Timeout + backoffs + time.Second
}
