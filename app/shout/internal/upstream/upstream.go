// Package upstream is the client of the SHOUTCLOUD-style API that
// capitalizes text: POST <base>/V1/SHOUT {"INPUT"} answers {"INPUT","OUTPUT"}.
// Each attempt has a timeout; failures that a repeat may cure are retried a
// bounded number of times with jittered exponential backoff; a circuit
// breaker (sony/gobreaker) stops calling an upstream that keeps failing.
package upstream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/sony/gobreaker/v2"

	"github.com/doc-search/gitops/app/shout/internal/metrics"
)

// Config says where the upstream is and how hard to try.
type Config struct {
	URL             string        // base URL; the client posts to URL + "/V1/SHOUT"
	Timeout         time.Duration // bound on one attempt
	Retries         int           // attempts after the first, for retryable failures
	Backoff         time.Duration // wait before the first retry; doubles, with ±50% jitter
	BreakerFailures int           // consecutive failed calls that open the breaker
	BreakerOpen     time.Duration // how long the breaker stays open before a trial call
}

// maxAnswerBytes bounds how much of an upstream answer is read.
const maxAnswerBytes = 1 << 20

// Client calls the upstream. It is safe for concurrent use.
type Client struct {
	cfg      Config
	endpoint string
	http     *http.Client
	breaker  *gobreaker.CircuitBreaker[string]
	metrics  *metrics.Metrics
	openedAt atomic.Int64 // unix nanoseconds of the breaker's last opening
}

// New returns a Client for cfg.
func New(cfg Config, m *metrics.Metrics) (*Client, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("upstream URL %q: want http(s)://host[:port][/path]", cfg.URL)
	}
	var errs []error
	if cfg.Timeout <= 0 {
		errs = append(errs, fmt.Errorf("timeout must be positive, got %s", cfg.Timeout))
	}
	if cfg.Retries < 0 {
		errs = append(errs, fmt.Errorf("retries must not be negative, got %d", cfg.Retries))
	}
	if cfg.Backoff < 0 {
		errs = append(errs, fmt.Errorf("backoff must not be negative, got %s", cfg.Backoff))
	}
	if cfg.BreakerFailures < 1 {
		errs = append(errs, fmt.Errorf("breaker failures must be at least 1, got %d", cfg.BreakerFailures))
	}
	if cfg.BreakerOpen <= 0 {
		errs = append(errs, fmt.Errorf("breaker open time must be positive, got %s", cfg.BreakerOpen))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 64 // every request goes to one host
	c := &Client{
		cfg:      cfg,
		endpoint: strings.TrimSuffix(cfg.URL, "/") + "/V1/SHOUT",
		http:     &http.Client{Transport: transport},
		metrics:  m,
	}
	c.breaker = gobreaker.NewCircuitBreaker[string](gobreaker.Settings{
		Name:        "upstream",
		MaxRequests: 1,
		Timeout:     cfg.BreakerOpen,
		ReadyToTrip: func(counts gobreaker.Counts) bool {
			return counts.ConsecutiveFailures >= uint32(cfg.BreakerFailures)
		},
		// A rejected request says the upstream is up and answering.
		IsSuccessful: func(err error) bool { return err == nil || Kind(err) == KindRejected },
		IsExcluded:   func(err error) bool { return Kind(err) == KindCanceled },
		OnStateChange: func(_ string, _, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				c.openedAt.Store(time.Now().UnixNano())
			}
			m.BreakerTransitions.WithLabelValues(to.String()).Inc()
		},
	})
	return c, nil
}

// BreakerState is the breaker's state as a number: 0 closed, 1 half-open, 2 open.
func (c *Client) BreakerState() float64 { return float64(c.breaker.State()) }

// Close releases the client's idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Capitalize asks the upstream to capitalize text.
func (c *Client) Capitalize(ctx context.Context, text string) (string, error) {
	out, err := c.breaker.Execute(func() (string, error) { return c.withRetries(ctx, text) })
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		c.metrics.UpstreamErrors.WithLabelValues(KindOpen).Inc()
		return "", &OpenError{RetryAfter: c.retryAfter()}
	}
	return out, err
}

// retryAfter is how long until the open breaker lets a trial call through,
// at least a second (half-open: the trial is under way).
func (c *Client) retryAfter() time.Duration {
	left := c.cfg.BreakerOpen - time.Since(time.Unix(0, c.openedAt.Load()))
	return max(left, time.Second)
}

func (c *Client) withRetries(ctx context.Context, text string) (string, error) {
	b := &backoff.ExponentialBackOff{
		InitialInterval:     c.cfg.Backoff,
		RandomizationFactor: 0.5,
		Multiplier:          2,
		MaxInterval:         backoff.DefaultMaxInterval,
	}
	attempt := 0
	return backoff.Retry(ctx, func() (string, error) {
		if attempt++; attempt > 1 {
			c.metrics.UpstreamRetries.Inc()
		}
		out, err := c.attempt(ctx, text)
		if err != nil && !retryable(err) {
			return "", backoff.Permanent(err)
		}
		return out, err
	}, backoff.WithBackOff(b), backoff.WithMaxTries(uint(c.cfg.Retries)+1), backoff.WithMaxElapsedTime(0))
}

// request and answer are the upstream's protocol.
type request struct {
	Input string `json:"INPUT"`
}

type answer struct {
	Input  *string `json:"INPUT"`
	Output *string `json:"OUTPUT"`
}

// attempt makes one call, bounded by the attempt timeout.
func (c *Client) attempt(ctx context.Context, text string) (out string, err error) {
	start := time.Now()
	defer func() {
		outcome := "ok"
		if err != nil {
			outcome = Kind(err)
			c.metrics.UpstreamErrors.WithLabelValues(outcome).Inc()
		}
		c.metrics.UpstreamDuration.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
	}()
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	body, err := json.Marshal(request{Input: text})
	if err != nil {
		return "", fmt.Errorf("encoding the upstream request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("building the upstream request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return "", &Error{Kind: transportKind(ctx, err), Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes+1))
	if err != nil {
		return "", &Error{Kind: transportKind(ctx, err), Err: fmt.Errorf("reading the answer: %w", err)}
	}
	if resp.StatusCode != http.StatusOK {
		return "", &Error{Kind: statusKind(resp.StatusCode), Status: resp.StatusCode,
			Err: fmt.Errorf("POST %s answered %s: %.200q", c.endpoint, resp.Status, data)}
	}
	return decode(data, text)
}

// decode checks an answer: JSON with OUTPUT a string, and INPUT the text sent.
func decode(data []byte, text string) (string, error) {
	garbage := func(format string, args ...any) error {
		return &Error{Kind: KindGarbage, Err: fmt.Errorf("upstream answer %.200q: "+format, append([]any{data}, args...)...)}
	}
	if len(data) > maxAnswerBytes {
		return "", garbage("longer than %d bytes", maxAnswerBytes)
	}
	var a answer
	if err := json.Unmarshal(data, &a); err != nil {
		return "", garbage("not the JSON object expected: %v", err)
	}
	if a.Output == nil {
		return "", garbage(`no string "OUTPUT"`)
	}
	if a.Input != nil && *a.Input != text {
		return "", garbage(`"INPUT" is not the text sent`)
	}
	return *a.Output, nil
}

// Kinds of failure, the values of the metrics' kind label.
const (
	KindTimeout  = "timeout"  // the attempt's time ran out
	KindNetwork  = "network"  // connecting, sending or reading failed
	KindServer   = "server"   // 5xx or 429: the upstream could not answer now
	KindRejected = "rejected" // another 4xx: the upstream refused the request
	KindStatus   = "status"   // any other unexpected status
	KindGarbage  = "garbage"  // 200 with an answer that is not the protocol's
	KindOpen     = "open"     // not called: the breaker is open
	KindCanceled = "canceled" // the caller's context ended
)

// Error is a failed upstream attempt.
type Error struct {
	Kind   string
	Status int // HTTP status, when one came
	Err    error
}

func (e *Error) Error() string { return fmt.Sprintf("upstream %s: %v", e.Kind, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// OpenError is returned without calling the upstream while the breaker is open.
type OpenError struct {
	RetryAfter time.Duration
}

func (e *OpenError) Error() string {
	return fmt.Sprintf("upstream circuit breaker is open: upstream failing, retry in %s", e.RetryAfter.Round(time.Second))
}

// Kind returns the kind of an error from Capitalize.
func Kind(err error) string {
	var open *OpenError
	if errors.As(err, &open) {
		return KindOpen
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return KindTimeout
	}
	if errors.Is(err, context.Canceled) {
		return KindCanceled
	}
	return KindNetwork
}

// retryable says whether repeating the attempt may succeed. The call is
// idempotent (the same text always gets the same answer), so any failure
// of the upstream or the path to it is worth one more try; a rejection or
// a garbled answer would come again, and a caller who left is gone.
func retryable(err error) bool {
	switch Kind(err) {
	case KindTimeout, KindNetwork, KindServer:
		return true
	}
	return false
}

func statusKind(code int) string {
	switch {
	case code == http.StatusTooManyRequests || code >= 500:
		return KindServer
	case code >= 400:
		return KindRejected
	}
	return KindStatus
}

// transportKind tells the attempt's own timeout from the caller's end and
// from network failures.
func transportKind(ctx context.Context, err error) string {
	switch {
	case errors.Is(context.Cause(ctx), context.DeadlineExceeded):
		return KindTimeout
	case errors.Is(context.Cause(ctx), context.Canceled):
		return KindCanceled
	}
	var ne interface{ Timeout() bool }
	if errors.As(err, &ne) && ne.Timeout() {
		return KindTimeout
	}
	return KindNetwork
}
