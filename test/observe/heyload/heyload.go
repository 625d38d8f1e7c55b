// Package heyload drives bounded HTTP load with hey and reads back its
// per-request records, so latency percentiles can be set beside the server's.
package heyload

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os/exec"
	"sort"
	"strconv"
	"sync"
	"time"
)

// Options bound the load: every URL gets its own hey process with
// Concurrency workers, each capped at QPS requests per second, for Duration.
type Options struct {
	Binary      string // defaults to "hey" on PATH
	Duration    time.Duration
	Concurrency int
	QPS         float64 // per worker; 0 means no limit
}

// Result is the merged outcome of every hey process of one run.
type Result struct {
	Latencies []time.Duration // sorted, one per request: hey's response time
	Waits     []time.Duration // sorted, one per request: hey's "resp wait"
	Status    map[int]int     // responses per HTTP status code
	Started   time.Time
	Ended     time.Time
}

// Run starts one hey process per URL, all at once, and waits for them.
func Run(ctx context.Context, opts Options, urls []string) (Result, error) {
	if opts.Binary == "" {
		opts.Binary = "hey"
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 1
	}
	if opts.Duration <= 0 {
		return Result{}, errors.New("heyload: duration must be positive")
	}
	res := Result{Status: map[int]int{}, Started: time.Now()}
	var (
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
	)
	for _, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs, err := runOne(ctx, opts, u)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			for _, r := range recs {
				res.Latencies = append(res.Latencies, r.Latency)
				res.Waits = append(res.Waits, r.Wait)
				res.Status[r.Status]++
			}
		}()
	}
	wg.Wait()
	res.Ended = time.Now()
	if err := errors.Join(errs...); err != nil {
		return res, err
	}
	sort.Slice(res.Latencies, func(i, j int) bool { return res.Latencies[i] < res.Latencies[j] })
	sort.Slice(res.Waits, func(i, j int) bool { return res.Waits[i] < res.Waits[j] })
	return res, nil
}

func runOne(ctx context.Context, opts Options, url string) ([]Record, error) {
	args := []string{
		"-z", opts.Duration.String(),
		"-c", strconv.Itoa(opts.Concurrency),
		"-o", "csv",
	}
	if opts.QPS > 0 {
		args = append(args, "-q", strconv.FormatFloat(opts.QPS, 'f', -1, 64))
	}
	args = append(args, url)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, opts.Binary, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("hey %s: %w: %s", url, err, stderr.String())
	}
	recs, err := ParseCSV(&stdout)
	if err != nil {
		return nil, fmt.Errorf("hey %s: %w", url, err)
	}
	return recs, nil
}

// Record is one request as hey's CSV output reports it.
type Record struct {
	Latency time.Duration // the whole request, as hey's summary counts it
	// Wait is hey's "resp wait": from the request written to the first
	// byte of the response, without the client reading the body.
	Wait   time.Duration
	Status int
}

// ParseCSV reads hey's "-o csv" output. hey prints times in seconds with
// four decimals, so latencies are known to 100µs.
func ParseCSV(r io.Reader) ([]Record, error) {
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("reading hey csv: %w", err)
	}
	if len(rows) == 0 {
		return nil, errors.New("hey csv: no header")
	}
	col := map[string]int{}
	for i, name := range rows[0] {
		col[name] = i
	}
	latCol, ok1 := col["response-time"]
	waitCol, ok2 := col["Response-delay"]
	codeCol, ok3 := col["status-code"]
	if !ok1 || !ok2 || !ok3 {
		return nil, fmt.Errorf("hey csv: header %v lacks response-time, Response-delay or status-code", rows[0])
	}
	recs := make([]Record, 0, len(rows)-1)
	for n, row := range rows[1:] {
		secs, err := strconv.ParseFloat(row[latCol], 64)
		if err != nil {
			return nil, fmt.Errorf("hey csv line %d: response-time %q: %w", n+2, row[latCol], err)
		}
		wait, err := strconv.ParseFloat(row[waitCol], 64)
		if err != nil {
			return nil, fmt.Errorf("hey csv line %d: Response-delay %q: %w", n+2, row[waitCol], err)
		}
		code, err := strconv.Atoi(row[codeCol])
		if err != nil {
			return nil, fmt.Errorf("hey csv line %d: status-code %q: %w", n+2, row[codeCol], err)
		}
		recs = append(recs, Record{Latency: seconds(secs), Wait: seconds(wait), Status: code})
	}
	return recs, nil
}

func seconds(s float64) time.Duration { return time.Duration(math.Round(s * float64(time.Second))) }

// Quantile returns the q-quantile (0 < q <= 1) of the response times.
func (r Result) Quantile(q float64) time.Duration { return quantile(r.Latencies, q) }

// WaitQuantile returns the q-quantile (0 < q <= 1) of the response waits.
func (r Result) WaitQuantile(q float64) time.Duration { return quantile(r.Waits, q) }

// quantile applies the rule hey's own summary uses to sorted samples: the
// first sample i with i/n >= q.
func quantile(sorted []time.Duration, q float64) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	// The small epsilon keeps 0.99*1000 at index 990, not 991.
	i := int(math.Ceil(q*float64(n) - 1e-9))
	i = max(0, min(i, n-1))
	return sorted[i]
}

// Requests is the number of completed requests.
func (r Result) Requests() int { return len(r.Latencies) }

// Less returns the result with d taken off every response time and wait
// (never below zero). Subtracting the time hey takes for a request the
// server answers at once (its own floor on this machine) leaves what the
// server's histogram can be compared with.
func (r Result) Less(d time.Duration) Result {
	shift := func(in []time.Duration) []time.Duration {
		out := make([]time.Duration, len(in))
		for i, v := range in {
			out[i] = max(0, v-d)
		}
		return out
	}
	r.Latencies, r.Waits = shift(r.Latencies), shift(r.Waits)
	return r
}
