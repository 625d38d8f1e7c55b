// Package jaegertest starts a real Jaeger (v2, built from its Go module by
// scripts/install-deps.sh into .cache/bin) on loopback for tests: it takes
// OTLP over HTTP and memory storage, and answers its query API.
package jaegertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Jaeger is a running Jaeger.
type Jaeger struct {
	OTLPEndpoint string // http://host:port of the OTLP/HTTP receiver
	QueryURL     string // http://host:port of the query API
}

// Binary finds the jaeger binary: $JAEGER_BIN, else .cache/bin/jaeger at
// the root of the module holding the working directory.
func Binary() (string, error) {
	if p := os.Getenv("JAEGER_BIN"); p != "" {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, ".cache", "bin", "jaeger")
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("%s not built (bash scripts/install-deps.sh builds it): %w", p, err)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

const config = `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:%d
    grpc:
      endpoint: 127.0.0.1:%d
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:%d
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`

// Start runs Jaeger until the test ends, skipping the test when the binary
// is not built.
func Start(t testing.TB) *Jaeger {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Skipf("skipping: a real Jaeger is needed: %v", err)
	}
	ports := freePorts(t, 3)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "jaeger.yaml")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, config, ports[0], ports[1], ports[2]), 0o644); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "jaeger.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "--config", cfg)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("starting %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cancel()
		<-exited
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("jaeger's log:\n%s", b)
		}
	})
	j := &Jaeger{
		OTLPEndpoint: "http://127.0.0.1:" + strconv.Itoa(ports[2]),
		QueryURL:     "http://127.0.0.1:" + strconv.Itoa(ports[0]),
	}
	// Ready when both the query API and the receiver answer.
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-exited:
			b, _ := os.ReadFile(logPath)
			t.Fatalf("jaeger exited at start:\n%s", b)
		default:
		}
		if answers(j.QueryURL+"/api/services") && answers(j.OTLPEndpoint+"/v1/traces") {
			return j
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(logPath)
			t.Fatalf("jaeger not answering after 60s:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func answers(url string) bool {
	resp, err := http.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return true
}

func freePorts(t testing.TB, n int) []int {
	var ports []int
	var lns []net.Listener
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// Trace is a trace as Jaeger's query API returns it.
type Trace struct {
	TraceID   string             `json:"traceID"`
	Spans     []Span             `json:"spans"`
	Processes map[string]Process `json:"processes"`
}

// Span is one span of a Trace.
type Span struct {
	TraceID       string      `json:"traceID"`
	SpanID        string      `json:"spanID"`
	OperationName string      `json:"operationName"`
	References    []Reference `json:"references"`
	Tags          []Tag       `json:"tags"`
	ProcessID     string      `json:"processID"`
}

// Reference links a span to another.
type Reference struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceID"`
	SpanID  string `json:"spanID"`
}

// Tag is a span attribute.
type Tag struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

// Process is the resource that sent a span.
type Process struct {
	ServiceName string `json:"serviceName"`
	Tags        []Tag  `json:"tags"`
}

// Parent is the span's parent span ID, or "" for a root.
func (s Span) Parent() string {
	for _, r := range s.References {
		if r.RefType == "CHILD_OF" {
			return r.SpanID
		}
	}
	return ""
}

// Tag returns the value of the attribute key, and whether the span has it.
func (s Span) Tag(key string) (any, bool) {
	for _, t := range s.Tags {
		if t.Key == key {
			return t.Value, true
		}
	}
	return nil, false
}

// Trace fetches trace id, waiting up to timeout for it to hold at least
// minSpans spans: the exporter sends in batches.
func (j *Jaeger) Trace(t testing.TB, id string, minSpans int, timeout time.Duration) Trace {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var last string
	for {
		tr, err := j.fetch(id)
		if err == nil && len(tr.Spans) >= minSpans {
			return tr
		}
		if err != nil {
			last = err.Error()
		} else {
			last = fmt.Sprintf("%d spans", len(tr.Spans))
		}
		if time.Now().After(deadline) {
			t.Fatalf("trace %s not in Jaeger with %d spans after %s: %s", id, minSpans, timeout, last)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func (j *Jaeger) fetch(id string) (Trace, error) {
	resp, err := http.Get(j.QueryURL + "/api/traces/" + id)
	if err != nil {
		return Trace{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Trace{}, fmt.Errorf("GET /api/traces/%s: %s", id, resp.Status)
	}
	var body struct {
		Data []Trace `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return Trace{}, err
	}
	if len(body.Data) != 1 {
		return Trace{}, fmt.Errorf("GET /api/traces/%s: %d traces", id, len(body.Data))
	}
	return body.Data[0], nil
}
