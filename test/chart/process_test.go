package chart

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/api/v1/resource"
)

// docSearchBin is the doc-search binary built once by TestMain; empty with
// docSearchBinErr set when it could not be built.
var (
	docSearchBin    string
	docSearchBinErr error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "chart-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	docSearchBin, docSearchBinErr = buildDocSearch(dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func buildDocSearch(dir string) (string, error) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	if _, err := os.Stat(filepath.Join(root, "app", "doc-search", "cmd", "doc-search")); err != nil {
		return "", fmt.Errorf("app/doc-search/cmd/doc-search is absent: %w", err)
	}
	bin := filepath.Join(dir, "doc-search")
	cmd := exec.Command("go", "build", "-o", bin, "./app/doc-search/cmd/doc-search")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./app/doc-search/cmd/doc-search: %w\n%s", err, out)
	}
	return bin, nil
}

// needDocSearch fails the test when the binary did not build, and skips it
// only when the service's source is not in the tree at all.
func needDocSearch(t *testing.T) string {
	t.Helper()
	if docSearchBinErr != nil {
		if errors.Is(docSearchBinErr, os.ErrNotExist) {
			t.Skipf("needs the doc-search service: %v", docSearchBinErr)
		}
		t.Fatal(docSearchBinErr)
	}
	return docSearchBin
}

// Env vars holding Go durations: their seconds are scaled like the probes'.
var durationEnv = map[string]bool{
	"DOCSEARCH_STARTUP_DELAY":    true,
	"DOCSEARCH_DRAIN_DELAY":      true,
	"DOCSEARCH_SHUTDOWN_TIMEOUT": true,
}

// containerEnv resolves the container's env as the kubelet would: literal
// values, resourceFieldRef through the kubelet's own helper. Durations are
// scaled (1s becomes scale).
func containerEnv(c corev1.Container, scale time.Duration) ([]string, error) {
	var env []string
	for _, e := range c.Env {
		v := e.Value
		switch {
		case e.ValueFrom != nil && e.ValueFrom.ResourceFieldRef != nil:
			var err error
			if v, err = resource.ExtractContainerResourceValue(e.ValueFrom.ResourceFieldRef, &c); err != nil {
				return nil, fmt.Errorf("env %s: %w", e.Name, err)
			}
		case e.ValueFrom != nil:
			return nil, fmt.Errorf("env %s: only values and resourceFieldRef are simulated", e.Name)
		case durationEnv[e.Name]:
			d, err := time.ParseDuration(v)
			if err != nil {
				return nil, fmt.Errorf("env %s=%q: %w", e.Name, v, err)
			}
			v = scaled(d, scale).String()
		}
		env = append(env, e.Name+"="+v)
	}
	return env, nil
}

// scaled turns d, counted in seconds, into units of scale (float math: d*scale overflows).
func scaled(d, scale time.Duration) time.Duration {
	return time.Duration(float64(d) * float64(scale) / float64(time.Second))
}

// docSearchProcess is the real doc-search started with a rendered container's
// args and env, listening on loopback ports the OS picks.
type docSearchProcess struct {
	cmd   *exec.Cmd
	ports map[string]int // container port name -> local port
	exit  chan error
	mu    sync.Mutex
	logs  strings.Builder
}

func startDocSearch(bin string, c corev1.Container, scale time.Duration) (*docSearchProcess, error) {
	env, err := containerEnv(c, scale)
	if err != nil {
		return nil, err
	}
	// The rendered --addr/--metrics-addr name the container ports; the local
	// copies come last so they win, on ports the OS picks.
	args := append(append([]string(nil), c.Args...), "--addr=127.0.0.1:0", "--metrics-addr=127.0.0.1:0")
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	p := &docSearchProcess{cmd: cmd, exit: make(chan error, 1)}
	cmd.Stderr = &lockedWriter{p: p}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	listening := make(chan map[string]string, 1)
	go p.readLogs(stdout, listening)
	go func() { p.exit <- cmd.Wait() }()

	select {
	case addrs := <-listening:
		p.ports = map[string]int{}
		for _, cp := range c.Ports {
			key := map[int32]string{8080: "addr", 8000: "metrics_addr"}[cp.ContainerPort]
			_, port, err := net.SplitHostPort(addrs[key])
			if err != nil {
				p.stop(0)
				return nil, fmt.Errorf("container port %s (%d): log says %q: %w", cp.Name, cp.ContainerPort, addrs[key], err)
			}
			p.ports[cp.Name], _ = strconv.Atoi(port)
		}
		return p, nil
	case err := <-p.exit:
		return nil, fmt.Errorf("doc-search exited before listening: %v\n%s", err, p.output())
	case <-time.After(10 * time.Second):
		p.stop(0)
		return nil, fmt.Errorf("doc-search did not log its listen addresses in 10s:\n%s", p.output())
	}
}

// readLogs keeps the JSON log and reports the "listening" line's addresses.
func (p *docSearchProcess) readLogs(r io.Reader, listening chan<- map[string]string) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		p.mu.Lock()
		p.logs.WriteString(line + "\n")
		p.mu.Unlock()
		var entry struct {
			Msg         string `json:"msg"`
			Addr        string `json:"addr"`
			MetricsAddr string `json:"metrics_addr"`
		}
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "listening" && listening != nil {
			listening <- map[string]string{"addr": entry.Addr, "metrics_addr": entry.MetricsAddr}
			listening = nil
		}
	}
}

func (p *docSearchProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

func (p *docSearchProcess) port(name string) (int, bool) {
	port, ok := p.ports[name]
	return port, ok
}

// stop is the kubelet's kill: SIGTERM, SIGKILL when grace runs out.
func (p *docSearchProcess) stop(grace time.Duration) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exit:
		p.exit <- err
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		p.exit <- <-p.exit
	}
}

type lockedWriter struct{ p *docSearchProcess }

func (w *lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.logs.Write(b)
}
