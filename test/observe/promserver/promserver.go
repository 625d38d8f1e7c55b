// Package promserver runs a real Prometheus server on loopback, scraping
// static targets with a rule file, for integration tests and benchmarks.
package promserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
	"gopkg.in/yaml.v3"

	"github.com/doc-search/gitops/test/observe/child"
)

// Target is one scrape job with a single static target. Labels are added to
// every scraped series, so local runs carry the labels (namespace, pod,
// service) the Prometheus Operator sets in a cluster.
type Target struct {
	Job     string
	Address string // host:port of the /metrics endpoint
	Labels  map[string]string
}

// Config says how to run the server.
type Config struct {
	Binary         string        // defaults to "prometheus" on PATH
	Dir            string        // holds the configuration and the TSDB; must exist
	ScrapeInterval time.Duration // also the rule evaluation interval
	RuleFiles      []string
	Targets        []Target
	Log            io.Writer // Prometheus' own log; discarded when nil
}

// Server is a running Prometheus.
type Server struct {
	URL  string
	API  v1.API
	proc *child.Process
	log  *bytes.Buffer // Prometheus' output, to explain a failed start
}

type scrapeConfig struct {
	JobName       string         `yaml:"job_name"`
	StaticConfigs []staticConfig `yaml:"static_configs"`
}

type staticConfig struct {
	Targets []string          `yaml:"targets"`
	Labels  map[string]string `yaml:"labels,omitempty"`
}

type configFile struct {
	Global struct {
		ScrapeInterval     string `yaml:"scrape_interval"`
		ScrapeTimeout      string `yaml:"scrape_timeout"`
		EvaluationInterval string `yaml:"evaluation_interval"`
	} `yaml:"global"`
	RuleFiles     []string       `yaml:"rule_files,omitempty"`
	ScrapeConfigs []scrapeConfig `yaml:"scrape_configs"`
}

// WriteConfig writes the prometheus.yml for cfg into cfg.Dir and returns its path.
func WriteConfig(cfg Config) (string, error) {
	var f configFile
	interval := model.Duration(cfg.ScrapeInterval).String()
	f.Global.ScrapeInterval = interval
	f.Global.ScrapeTimeout = interval
	f.Global.EvaluationInterval = interval
	f.RuleFiles = cfg.RuleFiles
	for _, t := range cfg.Targets {
		f.ScrapeConfigs = append(f.ScrapeConfigs, scrapeConfig{
			JobName:       t.Job,
			StaticConfigs: []staticConfig{{Targets: []string{t.Address}, Labels: t.Labels}},
		})
	}
	out, err := yaml.Marshal(f)
	if err != nil {
		return "", fmt.Errorf("encoding prometheus configuration: %w", err)
	}
	path := filepath.Join(cfg.Dir, "prometheus.yml")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		return "", fmt.Errorf("writing %s: %w", path, err)
	}
	return path, nil
}

// Start writes the configuration, starts Prometheus on a free loopback port
// and waits until it reports ready. The caller must Stop it.
func Start(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Binary == "" {
		cfg.Binary = "prometheus"
	}
	if cfg.ScrapeInterval == 0 {
		cfg.ScrapeInterval = time.Second
	}
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	configPath, err := WriteConfig(cfg)
	if err != nil {
		return nil, err
	}
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(cfg.Binary,
		"--config.file="+configPath,
		"--storage.tsdb.path="+filepath.Join(cfg.Dir, "tsdb"),
		"--web.listen-address="+addr,
		"--log.level=warn",
	)
	s := &Server{URL: "http://" + addr, log: &bytes.Buffer{}}
	// One writer for both streams: exec then writes from one goroutine.
	out := io.MultiWriter(cfg.Log, s.log)
	cmd.Stdout, cmd.Stderr = out, out
	if s.proc, err = child.Start("prometheus", cmd); err != nil {
		return nil, err
	}
	client, err := api.NewClient(api.Config{Address: s.URL})
	if err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("prometheus client for %s: %w", s.URL, err)
	}
	s.API = v1.NewAPI(client)
	if err := s.waitReady(ctx, 30*time.Second); err != nil {
		_ = s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context, timeout time.Duration) error {
	// s.log is only read once Prometheus has exited, when nothing writes it.
	return s.proc.WaitHTTP(ctx, s.URL+"/-/ready", 100*time.Millisecond, timeout, s.log.String)
}

// Stop sends SIGTERM and waits for Prometheus to exit, killing it after 10s.
// A non-zero exit status is not an error: Prometheus may exit so on SIGTERM.
func (s *Server) Stop() error {
	err := s.proc.Stop(10 * time.Second)
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return fmt.Errorf("stopping prometheus: %w", err)
	}
	return nil
}

// WaitTargetUp waits until every active target of job is up and has been
// scraped at least twice (so that rate() has two samples to work with).
func (s *Server) WaitTargetUp(ctx context.Context, job string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	last := "no active target"
	for time.Now().Before(deadline) {
		v, err := s.Instant(ctx, fmt.Sprintf(`count_over_time(up{job=%q}[1m]) >= 2 and up{job=%q} == 1`, job, job), time.Now())
		if err != nil {
			return err
		}
		if len(v) > 0 {
			return nil
		}
		if targets, err := s.API.Targets(ctx); err == nil {
			for _, t := range targets.Active {
				if string(t.Labels["job"]) == job {
					last = fmt.Sprintf("target %s health %s %s", t.ScrapeURL, t.Health, t.LastError)
				}
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	return fmt.Errorf("job %q not up after %s: %s", job, timeout, last)
}

// Instant evaluates query at ts and returns the vector it yields. Warnings
// are treated as errors: a dashboard query that warns is a broken query.
func (s *Server) Instant(ctx context.Context, query string, ts time.Time) (model.Vector, error) {
	val, warnings, _, err := s.API.Query(ctx, query, ts)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", query, err)
	}
	if len(warnings) > 0 {
		return nil, fmt.Errorf("query %q: warnings %v", query, warnings)
	}
	switch v := val.(type) {
	case model.Vector:
		return v, nil
	case *model.Scalar:
		return model.Vector{{Value: v.Value, Timestamp: v.Timestamp}}, nil
	default:
		return nil, fmt.Errorf("query %q: want an instant vector, got %s", query, val.Type())
	}
}

// Range evaluates query over r and returns its series.
func (s *Server) Range(ctx context.Context, query string, r v1.Range) (model.Matrix, error) {
	val, warnings, _, err := s.API.QueryRange(ctx, query, r)
	if err != nil {
		return nil, fmt.Errorf("range query %q: %w", query, err)
	}
	if len(warnings) > 0 {
		return nil, fmt.Errorf("range query %q: warnings %v", query, warnings)
	}
	m, ok := val.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("range query %q: want a matrix, got %s", query, val.Type())
	}
	return m, nil
}

// FreePort asks the kernel for a free loopback TCP port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}
