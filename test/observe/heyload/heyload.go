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
	Latencies []time.Duration // sorted, one per request
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
	Latency time.Duration
	Status  int
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
	codeCol, ok2 := col["status-code"]
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("hey csv: header %v lacks response-time or status-code", rows[0])
	}
	recs := make([]Record, 0, len(rows)-1)
	for n, row := range rows[1:] {
		secs, err := strconv.ParseFloat(row[latCol], 64)
		if err != nil {
			return nil, fmt.Errorf("hey csv line %d: response-time %q: %w", n+2, row[latCol], err)
		}
		code, err := strconv.Atoi(row[codeCol])
		if err != nil {
			return nil, fmt.Errorf("hey csv line %d: status-code %q: %w", n+2, row[codeCol], err)
		}
		recs = append(recs, Record{Latency: time.Duration(math.Round(secs * float64(time.Second))), Status: code})
	}
	return recs, nil
}

// Quantile returns the q-quantile (0 < q <= 1) of the latencies with the
// rule hey's own summary uses: the first sorted sample i with i/n >= q.
func (r Result) Quantile(q float64) time.Duration {
	n := len(r.Latencies)
	if n == 0 {
		return 0
	}
	// The small epsilon keeps 0.99*1000 at index 990, not 991.
	i := int(math.Ceil(q*float64(n) - 1e-9))
	i = max(0, min(i, n-1))
	return r.Latencies[i]
}

// Requests is the number of completed requests.
func (r Result) Requests() int { return len(r.Latencies) }
