// Package searchclient is the `doc-search query` subcommand: one search
// against a running server, for probes and the chart's test hook, where the
// image holds no curl.
package searchclient

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Run parses args, searches and prints the response body to stdout. It
// returns the exit code: 0 when the status is 200 and at least --min-results
// results came back, 1 otherwise, 2 on bad usage.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("doc-search query", flag.ContinueOnError)
	fs.SetOutput(stderr)
	server := fs.String("server", "http://localhost:8080", "base URL of the doc-search server")
	q := fs.String("q", "", "words to search for")
	minResults := fs.Int("min-results", 1, "fewest results that count as success")
	timeout := fs.Duration("timeout", 10*time.Second, "time allowed for the request")
	fs.Usage = func() {} // a bad flag gets its error alone; --help the usage, on stdout
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, "Usage: doc-search query --server URL --q WORDS [--min-results N] [--timeout D]\n\nExits 0 when the search answers 200 with at least --min-results results, 1 otherwise, 2 on bad usage.\n\n")
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "doc-search query: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	base, err := url.Parse(*server)
	if err != nil || base.Scheme == "" || base.Host == "" {
		fmt.Fprintf(stderr, "doc-search query: --server %q is not an absolute URL\n", *server)
		return 2
	}
	u := base.JoinPath("search")
	u.RawQuery = url.Values{"q": {*q}}.Encode()

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	n, err := search(ctx, u.String(), stdout)
	if err != nil {
		fmt.Fprintf(stderr, "doc-search query: %v\n", err)
		return 1
	}
	if n < *minResults {
		fmt.Fprintf(stderr, "doc-search query: %d results, wanted at least %d\n", n, *minResults)
		return 1
	}
	return 0
}

func search(ctx context.Context, u string, stdout io.Writer) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, fmt.Errorf("building request for %s: %w", u, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return 0, fmt.Errorf("reading response of %s: %w", u, err)
	}
	fmt.Fprintln(stdout, strings.TrimRight(string(body), "\n"))
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("GET %s: status %s", u, resp.Status)
	}
	var out struct {
		Results []string `json:"results"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return 0, fmt.Errorf("decoding response of %s: %w", u, err)
	}
	return len(out.Results), nil
}
