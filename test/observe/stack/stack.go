// Package stack brings up, on loopback, the real doc-search and a real
// Prometheus that scrapes it every second with the rules of the chart.
package stack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/doc-search/gitops/test/observe/chartrender"
	"github.com/doc-search/gitops/test/observe/docsearch"
	"github.com/doc-search/gitops/test/observe/promserver"
)

// Job, Namespace and Pod are the labels the series carry, as the chart's
// ServiceMonitor would set them for release doc-search in namespace doc-search.
const (
	Job       = "doc-search"
	Namespace = "doc-search"
	Pod       = "doc-search-0"
)

// Config says what to run.
type Config struct {
	Root        string // the module's root directory
	Dir         string // working directory for binaries, corpus, TSDB
	CorpusDir   string // an existing corpus to serve; when empty, see CorpusDocs
	CorpusDocs  int    // synthetic corpus size; 0 serves the embedded sample corpus
	CorpusBytes string // total size of the synthetic corpus, e.g. 40MB
	// StartupDelay is the service's --startup-delay; searches sent during it
	// are answered 503. It must outlast Prometheus' start and first scrapes.
	StartupDelay time.Duration
	Log          io.Writer
}

// Stack is the running service and Prometheus.
type Stack struct {
	Service    *docsearch.Service
	Prometheus *promserver.Server
	RuleFile   string
	Dashboards map[string][]byte
	CorpusDir  string
	Queries    []string // the search query mix, URL-ready (words joined by +)
	// StartupErrors counts searches answered 503 while the index was not built.
	StartupErrors int
	// SearchesOK counts the searches answered 200 that Up itself sent, so
	// that the load's count can be told apart in the service's counters.
	SearchesOK int
}

// searchWhileStarting sends searches for up to three seconds while the
// service is not ready and counts the 503s. Spread over several scrapes, they
// give the 5xx counter a rate.
func (s *Stack) searchWhileStarting(ctx context.Context) (int, error) {
	failed := 0
	url := s.Service.APIURL + "/search?q=" + s.Queries[0]
	for end := time.Now().Add(3 * time.Second); time.Now().Before(end) && !s.Service.Ready(); {
		resp, err := http.Get(url)
		if err != nil {
			return failed, fmt.Errorf("GET %s while starting: %w", url, err)
		}
		_ = resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusServiceUnavailable:
			failed++
		case http.StatusOK:
			s.SearchesOK++
		}
		select {
		case <-ctx.Done():
			return failed, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return failed, nil
}

// RuleValues pins the thresholds the promtool unit tests were written for.
var RuleValues = map[string]any{
	"serviceMonitor": map[string]any{"enabled": true, "force": true},
	"prometheusRule": map[string]any{
		"enabled": true, "force": true,
		"latencySLOSeconds": 0.25, "errorRatioThreshold": 0.05,
	},
	"dashboard": map[string]any{"enabled": true},
}

// Up builds and starts everything and waits until Prometheus has scraped the
// service twice. On error, whatever was started is stopped again.
func Up(ctx context.Context, cfg Config) (_ *Stack, err error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	s := &Stack{}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.Down())
		}
	}()

	manifests, err := chartrender.Render(filepath.Join(cfg.Root, "charts", "doc-search"),
		chartrender.Release{Name: "doc-search", Namespace: Namespace}, RuleValues)
	if err != nil {
		return nil, err
	}
	rules, err := manifests.RuleFile()
	if err != nil {
		return nil, err
	}
	s.RuleFile = filepath.Join(cfg.Dir, "doc-search.rules.yml")
	if err := os.WriteFile(s.RuleFile, rules, 0o644); err != nil {
		return nil, fmt.Errorf("writing %s: %w", s.RuleFile, err)
	}
	if s.Dashboards, err = manifests.Dashboards(); err != nil {
		return nil, err
	}

	bin, err := docsearch.Build(ctx, cfg.Root, cfg.Dir, "doc-search")
	if err != nil {
		return nil, err
	}
	s.CorpusDir = filepath.Join(cfg.Root, "app", "doc-search", "internal", "sample")
	data := ""
	switch {
	case cfg.CorpusDir != "":
		s.CorpusDir, data = cfg.CorpusDir, cfg.CorpusDir
	case cfg.CorpusDocs > 0:
		gen, err := docsearch.Build(ctx, cfg.Root, cfg.Dir, "gencorpus")
		if err != nil {
			return nil, err
		}
		s.CorpusDir = filepath.Join(cfg.Dir, "corpus")
		if err := docsearch.GenerateCorpus(ctx, gen, s.CorpusDir, cfg.CorpusDocs, cfg.CorpusBytes); err != nil {
			return nil, err
		}
		data = s.CorpusDir
	}
	if s.Queries, err = QueryMix(s.CorpusDir); err != nil {
		return nil, err
	}
	// Prometheus scrapes from the service's first second: the start-up
	// delay keeps it unready long enough for searches to fail with 503 over
	// several scrapes, so the error series and rules have data to show.
	if s.Service, err = docsearch.Start(docsearch.Options{Binary: bin, Data: data, StartupDelay: cfg.StartupDelay, Log: cfg.Log}); err != nil {
		return nil, err
	}
	promDir := filepath.Join(cfg.Dir, "prometheus")
	if err := os.MkdirAll(promDir, 0o755); err != nil {
		return nil, fmt.Errorf("creating %s: %w", promDir, err)
	}
	s.Prometheus, err = promserver.Start(ctx, promserver.Config{
		Dir: promDir, ScrapeInterval: time.Second, RuleFiles: []string{s.RuleFile}, Log: cfg.Log,
		Targets: []promserver.Target{{
			Job: Job, Address: s.Service.MetricsAddr,
			Labels: map[string]string{
				"namespace": Namespace, "pod": Pod, "service": "doc-search",
				"container": "doc-search", "endpoint": "metrics",
			},
		}},
	})
	if err != nil {
		return nil, err
	}
	if err := s.Prometheus.WaitTargetUp(ctx, Job, time.Minute); err != nil {
		return nil, err
	}
	if s.StartupErrors, err = s.searchWhileStarting(ctx); err != nil {
		return nil, err
	}
	if err := s.Service.WaitReady(ctx, 2*time.Minute); err != nil {
		return nil, err
	}
	// One request to every handler, so every handler label value exists.
	for _, path := range []string{"/healthz", "/readyz", "/version", "/no-such-page", "/search?q=" + s.Queries[0]} {
		resp, err := http.Get(s.Service.APIURL + path)
		if err != nil {
			return nil, fmt.Errorf("GET %s: %w", path, err)
		}
		_ = resp.Body.Close()
		if strings.HasPrefix(path, "/search") && resp.StatusCode == http.StatusOK {
			s.SearchesOK++
		}
	}
	return s, nil
}

// Down stops Prometheus and the service.
func (s *Stack) Down() error {
	var errs []error
	if s.Prometheus != nil {
		errs = append(errs, s.Prometheus.Stop())
		s.Prometheus = nil
	}
	if s.Service != nil {
		errs = append(errs, s.Service.Stop())
		s.Service = nil
	}
	return errors.Join(errs...)
}

// SearchURLs are the load's URLs: the query mix against /search.
func (s *Stack) SearchURLs() []string {
	urls := make([]string, len(s.Queries))
	for i, q := range s.Queries {
		urls[i] = s.Service.APIURL + "/search?q=" + q
	}
	return urls
}

var (
	word = regexp.MustCompile(`[a-z]{4,}`)
	post = regexp.MustCompile(`(?s)<post>(.*?)</post>`)
)

// searchable is the text doc-search indexes: the posts of a blog file, or
// the whole of any other file.
func searchable(b []byte) string {
	posts := post.FindAllSubmatch(b, -1)
	if len(posts) == 0 {
		return strings.ToLower(string(b))
	}
	var sb strings.Builder
	for _, p := range posts {
		sb.Write(p[1])
		sb.WriteByte(' ')
	}
	return strings.ToLower(sb.String())
}

// QueryMix picks a fixed mix of searches from the corpus in dir: the two
// most common words (long answers), both together (an intersection) and a
// mid-frequency word. Picking from the corpus keeps the mix meaningful
// whatever gencorpus writes; leaving out rare words keeps the searches long
// enough that the server's time, not the client's, decides the percentiles.
func QueryMix(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading corpus %s: %w", dir, err)
	}
	docFreq := map[string]int{}
	read := 0
	for _, e := range entries {
		if e.IsDir() || read == 200 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", e.Name(), err)
		}
		read++
		seen := map[string]bool{}
		for _, w := range word.FindAllString(searchable(b), -1) {
			if !seen[w] {
				seen[w] = true
				docFreq[w]++
			}
		}
	}
	words := make([]string, 0, len(docFreq))
	for w := range docFreq {
		words = append(words, w)
	}
	if len(words) < 4 {
		return nil, fmt.Errorf("corpus %s: fewer than 4 distinct words to query", dir)
	}
	sort.Slice(words, func(i, j int) bool {
		if docFreq[words[i]] != docFreq[words[j]] {
			return docFreq[words[i]] > docFreq[words[j]]
		}
		return words[i] < words[j]
	})
	return []string{
		words[0],
		words[1],
		words[0] + "+" + words[1],
		words[2],
	}, nil
}
