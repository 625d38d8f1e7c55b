// Package docsearch builds the real doc-search binaries from this module and
// runs the service on loopback ports for integration tests and benchmarks.
package docsearch

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/doc-search/gitops/test/observe/child"
	"github.com/doc-search/gitops/test/observe/promserver"
)

// Build compiles ./app/doc-search/cmd/<name> of the module at root into dir and returns
// the binary's path.
func Build(ctx context.Context, root, dir, name string) (string, error) {
	out := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./app/doc-search/cmd/"+name)
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./app/doc-search/cmd/%s: %w\n%s", name, err, msg)
	}
	return out, nil
}

// GenerateCorpus writes a synthetic corpus of docs documents, size bytes in
// all (e.g. 40MB), into dir with the gencorpus binary, seeded for repeatable runs.
func GenerateCorpus(ctx context.Context, gencorpus, dir string, docs int, size string) error {
	cmd := exec.CommandContext(ctx, gencorpus, "--docs", strconv.Itoa(docs), "--bytes", size, "--seed", "1", "--out", dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("gencorpus into %s: %w\n%s", dir, err, msg)
	}
	return nil
}

// Options say how to start the service.
type Options struct {
	Binary string
	Data   string // corpus directory; empty serves the embedded sample corpus
	// StartupDelay holds off indexing, so the service is up but not ready.
	StartupDelay time.Duration
	Log          io.Writer
}

// Service is a running doc-search.
type Service struct {
	APIURL      string // http://127.0.0.1:port
	MetricsAddr string // 127.0.0.1:port
	Started     time.Time
	proc        *child.Process
}

// Start runs doc-search on free loopback ports; it serves metrics at once and
// searches once WaitReady returns. The caller must Stop it.
func Start(opts Options) (*Service, error) {
	apiPort, err := promserver.FreePort()
	if err != nil {
		return nil, err
	}
	metricsPort, err := promserver.FreePort()
	if err != nil {
		return nil, err
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	s := &Service{
		APIURL:      "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(apiPort)),
		MetricsAddr: net.JoinHostPort("127.0.0.1", strconv.Itoa(metricsPort)),
	}
	args := []string{
		"--addr", net.JoinHostPort("127.0.0.1", strconv.Itoa(apiPort)),
		"--metrics-addr", s.MetricsAddr,
		"--drain-delay", "0s",
		"--startup-delay", opts.StartupDelay.String(),
	}
	if opts.Data != "" {
		args = append(args, "--data", opts.Data)
	}
	cmd := exec.Command(opts.Binary, args...)
	cmd.Env = append(os.Environ(), "DOCSEARCH_LOG_LEVEL=warn")
	cmd.Stdout, cmd.Stderr = opts.Log, opts.Log
	s.Started = time.Now()
	if s.proc, err = child.Start("doc-search", cmd); err != nil {
		return nil, err
	}
	return s, nil
}

// Ready reports whether /readyz answers 200.
func (s *Service) Ready() bool {
	resp, err := http.Get(s.APIURL + "/readyz")
	if err != nil {
		return false
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// WaitReady waits until /readyz says the index is built.
func (s *Service) WaitReady(ctx context.Context, timeout time.Duration) error {
	return s.proc.WaitHTTP(ctx, s.APIURL+"/readyz", 50*time.Millisecond, timeout, nil)
}

// Stop sends SIGTERM and waits for a clean exit, killing it after 15s.
func (s *Service) Stop() error {
	if s.proc == nil {
		return nil
	}
	if err := s.proc.Stop(15 * time.Second); err != nil {
		return fmt.Errorf("stopping doc-search: %w", err)
	}
	return nil
}
